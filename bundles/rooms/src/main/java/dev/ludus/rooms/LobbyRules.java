package dev.ludus.rooms;

import java.util.ArrayList;
import java.util.List;

import dev.ludus.api.rooms.RoomException;
import dev.ludus.api.rooms.RoomState;

/**
 * The lobby's rules: each method checks a change against the room's state and returns the record
 * that makes it, null when there is nothing to change, or throws the refusal. Pure: nothing is
 * changed here; the driver commits what these return.
 */
final class LobbyRules {

    private LobbyRules() {
    }

    static RoomRecord join(Room room, String playerId, String playerName) {
        if (room.seatOf(playerId) >= 0) {
            return null; // already seated
        }
        requireWaiting(room);
        int seat = firstEmpty(room);
        String name = playerName == null || playerName.isBlank() ? playerId : playerName;
        return new RoomRecord.SeatChanged(seat, playerId, name, false);
    }

    /**
     * A player leaves: before the start the seat empties, during the game a bot takes it. After the
     * game ends there is nothing to leave ({@code game_over}).
     */
    static RoomRecord leave(Room room, String playerId) {
        int seat = room.seatOf(playerId);
        if (seat < 0) {
            throw new RoomException(RoomException.NOT_IN_ROOM, playerId + " has no seat in room " + room.id());
        }
        if (room.state() == RoomState.WAITING) {
            return new RoomRecord.SeatChanged(seat, null, null, false);
        }
        if (room.state() == RoomState.FINISHED) {
            throw new RoomException(RoomException.GAME_OVER, "the game is over");
        }
        return new RoomRecord.SeatChanged(seat, null, "bot " + (seat + 1), true);
    }

    /** An operator removes {@code playerId}: as {@link #leave}, with who did it and why on the record. */
    static RoomRecord remove(Room room, String playerId, String reason, String by) {
        RoomRecord.SeatChanged left = (RoomRecord.SeatChanged) leave(room, playerId);
        return new RoomRecord.SeatChanged(left.seat(), left.playerId(), left.name(), left.bot(), reason, by);
    }

    static RoomRecord addBot(Room room) {
        requireWaiting(room);
        int seat = firstEmpty(room);
        return new RoomRecord.SeatChanged(seat, null, "bot " + (seat + 1), true);
    }

    static RoomRecord removeBot(Room room, int seat) {
        requireWaiting(room);
        if (seat < 0 || seat >= room.seatCount() || !room.seat(seat).bot()) {
            throw new RoomException(RoomException.BAD_SEAT, "seat " + seat + " holds no bot");
        }
        return new RoomRecord.SeatChanged(seat, null, null, false);
    }

    /** Starts the game with {@code seed}; empty seats get bots. */
    static RoomRecord start(Room room, boolean gameInstalled, long seed, long now) {
        requireWaiting(room);
        if (!gameInstalled) {
            throw new RoomException(RoomException.GAME_PAUSED, "game '" + room.gameType() + "' is not available");
        }
        List<RoomRecord.Started.Player> players = new ArrayList<>(room.seatCount());
        for (int i = 0; i < room.seatCount(); i++) {
            Room.Seat s = room.seat(i);
            boolean bot = s.empty() || s.bot();
            players.add(new RoomRecord.Started.Player(bot ? "bot-" + i : s.playerId(), s.empty() ? "bot " + (i + 1) : s.name(),
                    bot));
        }
        return new RoomRecord.Started(seed, now, players);
    }

    /** The longest reason an operator may give, and the longest operator name. */
    static final int MAX_REASON = 200;
    static final int MAX_OPERATOR = 100;

    /** An operator pauses a running game that no operator has paused yet. */
    static RoomRecord operatorPause(Room room, String reason, String by) {
        requireRunning(room);
        if (room.operatorPause() != null) {
            throw new RoomException(RoomException.ROOM_PAUSED, "room " + room.id() + " is already paused by "
                    + room.operatorPause().by());
        }
        return new RoomRecord.OperatorPaused(reason, by);
    }

    /** An operator resumes a game an operator paused; deadlines count from {@code now}. */
    static RoomRecord operatorResume(Room room, String by, long now) {
        if (room.state() == RoomState.FINISHED) {
            throw new RoomException(RoomException.GAME_OVER, "the game is over");
        }
        if (room.operatorPause() == null) {
            throw new RoomException(RoomException.NOT_PAUSED, "no operator paused room " + room.id());
        }
        return new RoomRecord.OperatorResumed(by, now);
    }

    /** An operator ends a running game, paused or not. */
    static RoomRecord end(Room room, String reason, String by) {
        requireRunning(room);
        return new RoomRecord.Ended(reason, by);
    }

    /**
     * Checks an operator's reason (1 to {@value #MAX_REASON} characters) and name (1 to
     * {@value #MAX_OPERATOR}), neither with control characters or bidirectional overrides: both go
     * into the room's stream for good and into players' events.
     */
    static void requireOperator(String reason, String by) {
        if (reason != null && (reason.isBlank() || reason.length() > MAX_REASON || hasControl(reason))) {
            throw new RoomException(RoomException.BAD_OPTIONS, "a reason must have 1 to " + MAX_REASON
                    + " characters and no control characters or bidirectional overrides");
        }
        if (by == null || by.isBlank() || by.length() > MAX_OPERATOR || hasControl(by)) {
            throw new RoomException(RoomException.BAD_OPTIONS, "the operator's name must have 1 to " + MAX_OPERATOR
                    + " characters and no control characters or bidirectional overrides");
        }
    }

    /**
     * Whether {@code s} holds a control character or a bidirectional override, embedding or isolate
     * (U+202A to U+202E, U+2066 to U+2069): text that breaks a list's lines, or that shows as
     * other text than it is (a name that reads as another player's).
     */
    static boolean hasControl(String s) {
        return s.chars().anyMatch(c -> Character.isISOControl(c) || isBidiControl(c));
    }

    /** A bidirectional override, embedding or isolate: U+202A to U+202E, U+2066 to U+2069. */
    static boolean isBidiControl(int c) {
        return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
    }

    private static void requireRunning(Room room) {
        if (room.state() == RoomState.WAITING) {
            throw new RoomException(RoomException.NOT_STARTED, "the game of room " + room.id() + " has not started");
        }
        if (room.state() == RoomState.FINISHED) {
            throw new RoomException(RoomException.GAME_OVER, "the game is over");
        }
    }

    static void requirePlayer(String playerId) {
        if (playerId == null || playerId.isBlank() || playerId.length() > 100) {
            throw new RoomException(RoomException.BAD_OPTIONS, "a player id must have 1 to 100 characters");
        }
    }

    private static void requireWaiting(Room room) {
        if (room.state() != RoomState.WAITING) {
            throw new RoomException(RoomException.ALREADY_STARTED, "room " + room.id() + " has already started");
        }
    }

    private static int firstEmpty(Room room) {
        for (int i = 0; i < room.seatCount(); i++) {
            if (room.seat(i).empty()) {
                return i;
            }
        }
        throw new RoomException(RoomException.ROOM_FULL, "every seat of room " + room.id() + " is taken");
    }
}
