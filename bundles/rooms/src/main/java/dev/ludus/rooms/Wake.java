package dev.ludus.rooms;

import java.util.Optional;

import dev.ludus.api.game.Action;
import dev.ludus.api.game.GameEngine;
import dev.ludus.api.game.TimerRequest;
import dev.ludus.api.rooms.RoomState;

/**
 * The one thing a running game does next if nobody acts: the game's own timer fires, a bot takes
 * a bot seat's move after its think time, a bot takes over from a connected player who let the
 * idle time pass, or a bot moves for a player who has been disconnected longer than the grace.
 * Decided by {@link #next} from the room's state and how each seat is covered ({@link Seats});
 * every deadline is an absolute time counted from when the latest move was taken
 * ({@link Room#lastMoveAt()}), which the records hold, so a room restored after a restart wakes
 * when it would have woken anyway. A disconnected player's grace is the one deadline that is not
 * durable: it counts from the disconnect, or from when the runtime took the room up.
 *
 * @param kind what fires
 * @param seat the seat that moves ({@link Action#SYSTEM} for the game's timer)
 * @param at   when, epoch ms
 */
record Wake(Kind kind, int seat, long at) {

    enum Kind {
        /** The game's timer ({@link GameEngine#pendingTimer()}). */
        TIMER(RoomRecord.ActionTaken.BY_TIMER),
        /** A bot's seat (or one its player gave to a bot by leaving), after the bots' think time. */
        BOT(RoomRecord.ActionTaken.BY_BOT),
        /** A connected player's seat, after the idle time. */
        IDLE(RoomRecord.ActionTaken.BY_IDLE),
        /** A disconnected player's seat, once the grace has passed and not before the bots' think time. */
        AWAY(RoomRecord.ActionTaken.BY_AWAY);

        final String cause;

        Kind(String cause) {
            this.cause = cause;
        }
    }

    /** Who makes each seat's moves if nobody acts, as the running room knows it ({@link LiveRoom#seats}). */
    interface Seats {

        /** {@link Kind#BOT}, {@link Kind#IDLE} (a connected player) or {@link Kind#AWAY} (a disconnected one). */
        Kind cover(int seat);

        /** For an {@link Kind#AWAY} seat: when its player's grace ends, epoch ms. */
        long graceEnds(int seat);
    }

    /**
     * The earliest wake-up of a room, or empty when the room waits for nothing: it is not
     * playing, its game is away, or no seat has a move. A disconnected player's seat moves at the
     * later of its grace's end and the bots' think time after the latest move; the idle time does
     * not apply to it. Ties go to the game's timer, then to the lowest seat.
     *
     * @param seats    how each seat is covered now
     * @param botThink the bots' think time, ms
     * @param idle     how long a connected player may take, ms
     */
    static Optional<Wake> next(Room room, Seats seats, long botThink, long idle) {
        GameEngine engine = room.engine();
        if (room.state() != RoomState.PLAYING || engine == null) {
            return Optional.empty();
        }
        long from = room.lastMoveAt();
        Wake best = null;
        Optional<TimerRequest> timer = engine.pendingTimer();
        if (timer.isPresent()) {
            best = new Wake(Kind.TIMER, Action.SYSTEM, plus(from, timer.get().delayMillis()));
        }
        for (int seat = 0; seat < room.seatCount(); seat++) {
            Kind kind = seats.cover(seat);
            long at = switch (kind) {
                case BOT -> plus(from, botThink);
                case IDLE -> plus(from, idle);
                case AWAY -> Math.max(seats.graceEnds(seat), plus(from, botThink));
                case TIMER -> throw new IllegalArgumentException("a seat is not covered by the game's timer");
            };
            // The deadline is cheap, the engine's allowed actions may not be: ask only a seat that would win.
            if ((best == null || at < best.at) && !engine.allowedActions(seat).isEmpty()) {
                best = new Wake(kind, seat, at);
            }
        }
        return Optional.ofNullable(best);
    }
    /** The action this wake-up takes now, or empty if the game no longer offers one. */
    Optional<Action> action(GameEngine engine) {
        if (kind == Kind.TIMER) {
            return engine.pendingTimer().map(TimerRequest::onExpiry);
        }
        return engine.botAction(seat);
    }

    private static long plus(long at, long delay) {
        long d = Math.max(0, delay);
        return at > Long.MAX_VALUE - d ? Long.MAX_VALUE : at + d;
    }
}
