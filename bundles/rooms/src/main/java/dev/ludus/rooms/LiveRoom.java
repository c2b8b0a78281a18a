package dev.ludus.rooms;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Function;

import dev.ludus.api.game.GameDefinition;
import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomListener;
import dev.ludus.api.rooms.RoomState;
import dev.ludus.api.rooms.SeatInfo;

/**
 * A room as the runtime runs it: its durable {@link Room} plus what lives only while the process
 * runs: who is connected (and since when who is not), a pause, the one armed wake-up, the
 * subscribers, its entry in the active-game store. Everything here except the fields marked
 * volatile is touched only by the room's steps ({@link #steps}).
 *
 * <p>Connections are not durable: a room the runtime takes up (at a restart, or when it is woken)
 * has nobody connected, and each seated player counts as disconnected since then, so their grace
 * ({@link #seats}) runs from the restart, not from some earlier moment nobody recorded.
 */
final class LiveRoom {

    record Subscriber(String playerId, RoomListener listener) {
    }

    final String id;
    final String stream;
    final StepQueue steps;
    final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    /** Players who left the room after its game ended: it is no longer theirs to come back to. */
    final Set<String> leftAfterEnd = ConcurrentHashMap.newKeySet();

    private final Function<String, GameDefinition> games;
    private Room room;
    private final Set<String> connected = new HashSet<>();
    /** Seated players whose connection dropped while the runtime ran this room, and when (epoch ms). */
    private final Map<String, Long> awaySince = new HashMap<>();
    /** When the runtime took this room up, epoch ms: the disconnect time of players never seen connected since. */
    private final long takenUpAt;
    private String pauseReason = "";

    /** The in-memory state may differ from the event store: rebuild before use. */
    boolean needsRebuild;
    /** The stream version of the latest snapshot taken. */
    long snapshotVersion;
    /** The entry's version in the active-game store (0: none written yet). */
    long storeVersion;
    /** The armed wake-up and what it is for, or null. */
    ScheduledFuture<?> wakeTimer;
    Wake wake;
    /** The eviction of a room that has ended, once armed. */
    ScheduledFuture<?> eviction;
    /** Archive hand-overs that failed in a row, and whether one is running. */
    int handOverFailures;
    boolean handOverRunning;
    /** An announcement on the bus is on its way. */
    boolean announcing;

    /**
     * The append now in flight (a token), and since when it is slow (epoch ms; 0 while it is not):
     * set by the timer that finds it slow, cleared when the store answers, both under this room's
     * lock, which also orders the game_paused and game_resumed they broadcast.
     */
    volatile Object appendInFlight;
    /** When the append in flight was handed to the store (epoch ms). */
    volatile long appendStartedAt;
    volatile long slowAppendSince;

    /** What other threads may read: the lobby's view and a few facts for health and quotas. */
    volatile RoomInfo info;
    volatile String createdBy;
    volatile boolean archived;
    volatile String quarantined;
    /** Since when no human owns a seat (0: someone does, or the room is over). Read by the sweeper. */
    volatile long emptySince;
    /** A close of this empty room is queued; keeps the sweeper from queueing another. */
    volatile boolean closing;
    /** Since when no seated player of this running game is connected (0: someone is, or it is not running). Read by the sweeper. */
    volatile long abandonedSince;
    /** An end of this abandoned game is queued; keeps the sweeper from queueing another. */
    volatile boolean ending;
    /** The version the stall check saw last (timer thread only). */
    long sweptVersion = -1;

    /**
     * @param onExecutor whether the calling thread is one of {@code executor}'s
     * @param takenUpAt  when the runtime takes the room up (created, or woken to be rebuilt), epoch ms
     */
    LiveRoom(String id, Executor executor, java.util.function.BooleanSupplier onExecutor,
             Function<String, GameDefinition> games, long takenUpAt) {
        this.id = id;
        this.takenUpAt = takenUpAt;
        this.stream = RoomsContext.STREAM_PREFIX + id;
        this.steps = new StepQueue("room " + id, id, executor, onExecutor);
        this.games = games;
        this.room = new Room(id, games);
    }

    /** The durable state. */
    Room room() {
        return room;
    }

    /** Starts again from an empty room, to replay the stream into; keeps connections. */
    Room reset() {
        room = new Room(id, games);
        return room;
    }

    /** Where the room stands, with a pause (the runtime's or an operator's) laid over a running game. */
    RoomState state() {
        RoomState s = room.state();
        return s == RoomState.PLAYING && (!pauseReason.isEmpty() || operatorPaused()) ? RoomState.PAUSED : s;
    }

    /** Whether the game is paused, by the runtime or by an operator. */
    boolean paused() {
        return state() == RoomState.PAUSED;
    }

    /** Whether an operator's pause is in force (durable, in the room's records). */
    boolean operatorPaused() {
        return room.state() == RoomState.PLAYING && room.operatorPause() != null;
    }

    /** Why the runtime itself paused the game ("" if it did not); an operator's pause is not this. */
    String pauseReason() {
        return pauseReason;
    }

    /** Pauses a running game (or, with "", resumes it); a room not playing keeps no reason. */
    void pauseReason(String reason) {
        pauseReason = reason == null ? "" : reason;
    }

    /**
     * Whether the room can take an action now: playing, paused by neither the runtime nor an
     * operator, its engine present, in step with the store.
     */
    boolean playable() {
        return room.state() == RoomState.PLAYING && pauseReason.isEmpty() && !operatorPaused() && room.engine() != null
                && !needsRebuild;
    }

    /** Records whether a seated player is connected, and at {@code at} (epoch ms) since when not; false if nothing changed. */
    boolean connected(String playerId, boolean now, long at) {
        if (room.seatOf(playerId) < 0) {
            return false;
        }
        if (now) {
            awaySince.remove(playerId);
            return connected.add(playerId);
        }
        if (!connected.remove(playerId)) {
            return false;
        }
        awaySince.put(playerId, at);
        return true;
    }

    /** Whether a seated player is connected now. */
    boolean anyoneConnected() {
        return !connected.isEmpty();
    }

    /** Forgets the connections of players who no longer hold a seat. */
    void dropUnseated() {
        connected.removeIf(p -> room.seatOf(p) < 0);
        awaySince.keySet().removeIf(p -> room.seatOf(p) < 0);
    }

    /**
     * How each seat is covered now: a bot's seat (or an empty one) by the bot, a connected player's
     * by the idle rule, a disconnected player's by the bot once {@code graceMillis} have passed since
     * the disconnect (or since the room was taken up, for a player not seen connected since).
     */
    Wake.Seats seats(long graceMillis) {
        return new Wake.Seats() {
            @Override
            public Wake.Kind cover(int seat) {
                Room.Seat s = room.seat(seat);
                if (!s.human()) {
                    return Wake.Kind.BOT;
                }
                return connected.contains(s.playerId()) ? Wake.Kind.IDLE : Wake.Kind.AWAY;
            }

            @Override
            public long graceEnds(int seat) {
                long since = awaySince.getOrDefault(room.seat(seat).playerId(), takenUpAt);
                return since > Long.MAX_VALUE - graceMillis ? Long.MAX_VALUE : since + graceMillis;
            }
        };
    }

    /** The room as the lobby, the store and clients see it. */
    RoomInfo snapshotInfo() {
        List<SeatInfo> list = new ArrayList<>(room.seatCount());
        for (int i = 0; i < room.seatCount(); i++) {
            Room.Seat s = room.seat(i);
            list.add(new SeatInfo(i, s.playerId(), s.name(), s.bot(), s.playerId() != null && connected.contains(s.playerId())));
        }
        // An operator's pause is what players and operators need to know first; the runtime's own
        // reason shows again once it is resumed, if it still holds.
        boolean byOperator = operatorPaused();
        return new RoomInfo(id, room.name(), room.gameType(), state(), list, room.version(),
                byOperator ? room.operatorPause().reason() : paused() ? pauseReason : "", room.createdAt(),
                room.options(), byOperator ? room.operatorPause().by() : "");
    }

    /** Cancels the armed wake-up, if any. */
    void disarm() {
        if (wakeTimer != null) {
            wakeTimer.cancel(false);
            wakeTimer = null;
        }
        wake = null;
    }
}
