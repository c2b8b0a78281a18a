package dev.ludus.rooms;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import dev.ludus.api.game.Action;
import dev.ludus.api.game.ActionResult;
import dev.ludus.api.game.GameDefinition;
import dev.ludus.api.game.GameEngine;
import dev.ludus.api.game.GameSetup;
import dev.ludus.api.rooms.RoomState;

/**
 * One room's durable state, and the one function that changes it: {@link #apply}. Everything a
 * room is (its seats, its game, whether it is archived) follows from its records, and recovery
 * and live play feed the same records through the same {@code apply}, so a room rebuilt from its
 * stream is the room that was played.
 *
 * <p>The only thing that reaches the engine ahead of a record is {@link #tryAction}: the engine is
 * the sole judge of an action's legality and has no dry run, so a live action is applied to it
 * first, and the room remembers that until the {@code action} record arrives (or the room is
 * rebuilt because the append failed).
 *
 * <p>{@link #state()} is {@code WAITING}, {@code PLAYING} or {@code FINISHED}. An operator's pause
 * ({@link #operatorPause()}) is durable and held here; the runtime's own pauses (game bundle or
 * event store away) are not, and live with the running room ({@link LiveRoom}). Not thread safe: a
 * room is confined to its steps.
 */
final class Room {

    /** One seat as the records left it. */
    record Seat(String playerId, String name, boolean bot) {
        static final Seat EMPTY = new Seat(null, null, false);

        boolean empty() {
            return playerId == null && !bot;
        }

        /** Whether a human owns the seat. */
        boolean human() {
            return playerId != null && !bot;
        }
    }

    private final String id;
    private final Function<String, GameDefinition> games;
    private String name;
    private String gameType;
    private String createdBy;
    private Map<String, String> options = Map.of();
    private Instant createdAt = Instant.EPOCH;
    private Seat[] seats = new Seat[0];
    private RoomState state = RoomState.WAITING;
    private long version;
    private long seed;
    private Instant startedAt;
    private long lastMoveAt;
    private long lastChangeAt;
    private GameEngine engine;
    /** A finished game's result, kept when its engine is dropped (see {@link #finishedResult}). */
    private Object keptResult;
    /** The live action the engine has taken but no record has confirmed yet, or null. */
    private Action ahead;
    private boolean archived;
    private boolean announced;
    private boolean closed;
    private String quarantined;
    private long quarantineGeneration;
    /** The operator's pause in force, or null. */
    private SnapshotHeader.OperatorPause operatorPause;
    /** Why and by whom an operator ended the game, or null. */
    private SnapshotHeader.OperatorPause ended;

    /** @param games the game definitions installed now, by type (null when absent) */
    Room(String id, Function<String, GameDefinition> games) {
        this.id = Objects.requireNonNull(id, "id");
        this.games = games;
    }

    /**
     * Applies one record that the event store holds at {@code version}, written at {@code at}
     * (epoch ms). A game whose definition is absent gets no engine; the caller pauses it.
     *
     * @throws IllegalStateException if the record cannot follow the state (replay diverged)
     */
    void apply(RoomRecord record, long version, long at) {
        if (!(record instanceof RoomRecord.Archived || record instanceof RoomRecord.Announced
                || record instanceof RoomRecord.Quarantined)) {
            lastChangeAt = at; // the room's bookkeeping after its game is not a change of the room
        }
        // Java 17 has no pattern switch: one instanceof per kind of the sealed interface, and a
        // kind added without a branch here fails loudly instead of being skipped.
        if (record instanceof RoomRecord.Created c) {
            name = c.name();
            createdBy = c.createdBy();
            gameType = c.gameType();
            options = c.options();
            createdAt = Instant.ofEpochMilli(c.createdAt());
            seats = new Seat[c.seats()];
            java.util.Arrays.fill(seats, Seat.EMPTY);
        } else if (record instanceof RoomRecord.SeatChanged c) {
            if (c.seat() < 0 || c.seat() >= seats.length) {
                throw new IllegalStateException("seat " + c.seat() + " does not exist at version " + version);
            }
            seats[c.seat()] = c.playerId() == null && !c.bot() ? Seat.EMPTY : new Seat(c.playerId(), c.name(), c.bot());
        } else if (record instanceof RoomRecord.Started st) {
            seed = st.seed();
            startedAt = Instant.ofEpochMilli(st.startedAt());
            lastMoveAt = st.startedAt();
            List<RoomRecord.Started.Player> players = st.players();
            for (int i = 0; i < players.size() && i < seats.length; i++) {
                RoomRecord.Started.Player p = players.get(i);
                if (seats[i].empty()) {
                    seats[i] = new Seat(p.bot() ? null : p.id(), p.name(), p.bot());
                }
            }
            state = RoomState.PLAYING;
            GameDefinition def = games.apply(gameType);
            engine = def == null ? null : def.create(setup());
        } else if (record instanceof RoomRecord.ActionTaken a) {
            if (ahead != null) {
                // The live path builds the record from the action itself: the same args, usually the same object.
                if (ahead.seat() != a.seat() || !ahead.type().equals(a.actionType())
                        || (ahead.args() != a.args() && !ahead.args().equals(a.args()))) {
                    throw new IllegalStateException("the record at version " + version + " is not the action the game took");
                }
                ahead = null;
            } else if (engine != null) {
                ActionResult r = engine.apply(new Action(a.seat(), a.actionType(), a.args()));
                if (r instanceof ActionResult.Rejected rej) {
                    throw new IllegalStateException("replay diverged at version " + version + ": " + rej.code() + " "
                            + rej.message());
                }
            }
            lastMoveAt = a.at() > 0 ? a.at() : at;
            if (engine != null && engine.completed()) {
                state = RoomState.FINISHED;
            }
        } else if (record instanceof RoomRecord.Archived) {
            archived = true;
            quarantined = null;
        } else if (record instanceof RoomRecord.Announced) {
            announced = true;
        } else if (record instanceof RoomRecord.Closed) {
            closed = true;
            state = RoomState.FINISHED;
            engine = null;
        } else if (record instanceof RoomRecord.Quarantined q) {
            quarantined = String.valueOf(q.reason());
            quarantineGeneration = q.generation();
        } else if (record instanceof RoomRecord.OperatorPaused p) {
            requirePlaying(record, version);
            operatorPause = new SnapshotHeader.OperatorPause(p.reason(), p.by());
        } else if (record instanceof RoomRecord.OperatorResumed r) {
            requirePlaying(record, version);
            operatorPause = null;
            lastMoveAt = r.at() > 0 ? r.at() : at; // the time it stood still takes nobody's move
        } else if (record instanceof RoomRecord.Ended e) {
            requirePlaying(record, version);
            operatorPause = null;
            ended = new SnapshotHeader.OperatorPause(e.reason(), e.by());
            state = RoomState.FINISHED;
        } else {
            throw new IllegalStateException("room record " + record.type() + " has no effect defined");
        }
        this.version = version;
    }

    private void requirePlaying(RoomRecord record, long version) {
        if (state != RoomState.PLAYING) {
            throw new IllegalStateException("record " + record.type() + " at version " + version + " in a room "
                    + state);
        }
    }

    /**
     * Offers a live action to the engine. If it is accepted the engine is one action ahead of the
     * room until {@link #apply} receives that action's record; nothing may read the engine's new
     * state before then, and if the record cannot be stored the room must be rebuilt.
     */
    ActionResult tryAction(Action action) {
        if (ahead != null) {
            throw new IllegalStateException("room " + id + " already has an action waiting for its record");
        }
        ActionResult r = engine.apply(action);
        if (r instanceof ActionResult.Accepted) {
            ahead = action;
        }
        return r;
    }

    /**
     * Restores the state a snapshot holds at {@code version}; {@code engine} is the restored game,
     * or null when its definition is absent.
     */
    void restore(SnapshotHeader h, long version, GameEngine engine) {
        name = h.name();
        gameType = h.gameType();
        createdBy = h.createdBy();
        options = h.options() == null ? Map.of() : h.options();
        createdAt = Instant.ofEpochMilli(h.createdAt());
        state = RoomState.valueOf(h.state());
        seed = h.seed();
        startedAt = h.startedAt() == 0 ? null : Instant.ofEpochMilli(h.startedAt());
        lastMoveAt = h.lastMoveAt();
        // A snapshot taken after the game's end (a game bundle leaving snapshots every room it
        // had) may have no game record after it: its header says when the room last changed, or,
        // in a snapshot from before that was kept, the latest time it knows.
        lastChangeAt = h.lastChangeAt() > 0 ? h.lastChangeAt()
                : Math.max(h.lastMoveAt(), Math.max(h.startedAt(), h.createdAt()));
        operatorPause = h.operatorPause();
        ended = h.ended();
        seats = new Seat[h.seats().size()];
        for (int i = 0; i < seats.length; i++) {
            SnapshotHeader.Seat s = h.seats().get(i);
            seats[i] = s.playerId() == null && !s.bot() ? Seat.EMPTY : new Seat(s.playerId(), s.name(), s.bot());
        }
        this.version = version;
        this.engine = engine;
    }

    /** The room part of a snapshot taken now. */
    SnapshotHeader header() {
        List<SnapshotHeader.Seat> list = new ArrayList<>(seats.length);
        for (Seat s : seats) {
            list.add(new SnapshotHeader.Seat(s.playerId(), s.name(), s.bot()));
        }
        return new SnapshotHeader(name, gameType, createdBy, options, createdAt.toEpochMilli(), state.name(), seed,
                startedAt == null ? 0 : startedAt.toEpochMilli(), list, lastMoveAt, operatorPause, ended, lastChangeAt);
    }

    /** The setup the game was (or will be) created from. */
    GameSetup setup() {
        List<GameSetup.Player> players = new ArrayList<>(seats.length);
        for (int i = 0; i < seats.length; i++) {
            Seat s = seats[i];
            String player = s.bot() || s.playerId() == null ? "bot-" + i : s.playerId();
            players.add(new GameSetup.Player(player, s.name(), s.bot()));
        }
        return new GameSetup(id, seed, players, options);
    }

    /** Sets the engine restored from a snapshot by {@link #restore}. */
    void attach(GameEngine restored) {
        engine = restored;
        ahead = null;
    }

    /** Drops the engine (its game bundle is leaving); the room must be rebuilt to play again. */
    void dropEngine() {
        if (engine != null && state() == RoomState.FINISHED) {
            try {
                keptResult = plain(engine.result());
            } catch (RuntimeException e) {
                keptResult = null; // a game that cannot say: the room shows no result, as before
            }
        }
        engine = null;
        ahead = null;
    }

    /**
     * A finished game's result, also while its game's bundle is away (the engine is dropped then,
     * so that no object of the leaving bundle stays; the result is kept as plain values), or null.
     */
    @SuppressWarnings("unchecked")
    Map<String, Object> finishedResult() {
        if (state() != RoomState.FINISHED) {
            return null;
        }
        return engine != null ? engine.result() : (Map<String, Object>) keptResult;
    }

    /** A copy of a game's value holding no object of the game's bundle: maps and lists copied, JDK values kept, others as text. */
    private static Object plain(Object value) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new java.util.LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), plain(v)));
            return java.util.Collections.unmodifiableMap(out);
        }
        if (value instanceof java.util.Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            c.forEach(v -> out.add(plain(v)));
            return java.util.Collections.unmodifiableList(out);
        }
        return value == null || value.getClass().getClassLoader() == null ? value : String.valueOf(value);
    }

    int seatOf(String playerId) {
        for (int i = 0; playerId != null && i < seats.length; i++) {
            if (playerId.equals(seats[i].playerId())) {
                return i;
            }
        }
        return -1;
    }

    /** Whether a human (connected or not) owns a seat. */
    boolean hasHuman() {
        for (Seat s : seats) {
            if (s.human()) {
                return true;
            }
        }
        return false;
    }

    String id() { return id; }
    String name() { return name; }
    String gameType() { return gameType; }
    String createdBy() { return createdBy; }
    Map<String, String> options() { return options; }
    Instant createdAt() { return createdAt; }
    int seatCount() { return seats.length; }
    Seat seat(int i) { return seats[i]; }
    RoomState state() { return state; }
    long version() { return version; }
    Instant startedAt() { return startedAt; }
    /** When the latest action was taken (or the game started), epoch ms; 0 if unknown. */
    long lastMoveAt() { return lastMoveAt; }
    /**
     * When the latest record that changed the room was written, epoch ms: for a finished game, when
     * it finished (its bookkeeping afterwards, announced, archived or quarantined, does not count).
     */
    long lastChangeAt() { return lastChangeAt; }
    /** The game, or null before the start, after a close, or while its definition is absent. */
    GameEngine engine() { return engine; }
    boolean archived() { return archived; }
    /** Whether the finished game was announced on the message bus. */
    boolean announced() { return announced; }
    boolean closed() { return closed; }
    /** Why the archive hand-over is quarantined, or null. */
    String quarantined() { return quarantined; }
    long quarantineGeneration() { return quarantineGeneration; }
    /** The operator's pause in force (reason and who), or null. */
    SnapshotHeader.OperatorPause operatorPause() { return operatorPause; }
    /** Why and by whom an operator ended the game, or null (not ended, or ended by its own rules). */
    SnapshotHeader.OperatorPause ended() { return ended; }

    /** Sets when timers count from, for a room restored from a snapshot that did not say. */
    void assumeLastMoveAt(long millis) {
        if (lastMoveAt == 0 && state == RoomState.PLAYING) {
            lastMoveAt = millis;
        }
    }
}
