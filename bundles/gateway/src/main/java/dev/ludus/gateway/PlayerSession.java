package dev.ludus.gateway;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import dev.ludus.api.rooms.RoomEvent;
import dev.ludus.api.rooms.RoomInfo;

/**
 * One player, across connections: the room they sit in, their event stream with its increasing
 * {@code seq}, and the recent events kept for a resume. Outlives a dropped connection for the grace
 * period. All mutable state is guarded by {@code this}; blocking calls (the rooms service) are made
 * outside the lock, from the session's own {@link #tasks} queue, so a session's requests run in order.
 */
final class PlayerSession {

    /**
     * Events kept while connected, for a client that lost the last few in flight; a client that lost
     * more gets a snapshot. Kept small: with thousands of players these are most of the live heap.
     */
    static final int KEEP_WHILE_CONNECTED = 16;

    /** An event as sent: its seq and its JSON. */
    private record Sent(long seq, String json) {
    }

    final String playerId;
    /** The key of this player's rate-limit buckets, made once rather than for every request. */
    final String limitKey;
    final SerialQueue tasks;
    private final Protocol protocol;
    private final int replayLimit;

    private String name;
    private Connection connection;
    private long detachedAtMillis;
    private String roomId;
    /** The game type of {@link #roomId}, once a snapshot said it; null before. */
    private String gameType;
    private AutoCloseable subscription;
    private long seq;
    /** Starts small: a player who only said hello has one message here (the snapshot of no room). */
    private final ArrayDeque<Sent> recent = new ArrayDeque<>(2);
    /** Room events that arrived while a snapshot was being taken; null when not taking one. */
    private List<RoomEvent> held;
    /** Since when events are held (System.nanoTime), meaningful while {@link #held} is set. */
    private long heldSinceNanos;
    /** The newest room version this player was told of, by an event or a snapshot. */
    private long roomVersion;
    /** When the player was last sent anything of the room (System.nanoTime). */
    private long lastRoomNewsNanos = System.nanoTime();
    private boolean ended;

    PlayerSession(String playerId, String name, long firstSeq, SerialQueue tasks, Protocol protocol, int replayLimit,
                  long nowMillis) {
        this.playerId = playerId;
        this.limitKey = "player:" + playerId;
        this.detachedAtMillis = nowMillis;
        this.name = name;
        this.seq = Math.max(0, firstSeq);
        this.tasks = tasks;
        this.protocol = protocol;
        this.replayLimit = Math.max(KEEP_WHILE_CONNECTED, replayLimit);
    }

    synchronized String name() {
        return name;
    }

    synchronized void name(String n) {
        name = n;
    }

    synchronized String roomId() {
        return roomId;
    }

    /** The game type of the player's room, as the last snapshot of it said; null if unknown. */
    synchronized String gameType() {
        return gameType;
    }

    synchronized long seq() {
        return seq;
    }

    /**
     * Makes the next event's {@code seq} greater than {@code lastSeq}, for a client that claims to
     * have seen more than this session sent (after a server restart, or a bogus value): the snapshot
     * it gets next must still follow its {@code lastSeq}, as the protocol promises.
     */
    synchronized void continueAfter(long lastSeq) {
        if (lastSeq > seq) {
            seq = lastSeq;
        }
    }

    synchronized Connection connection() {
        return connection;
    }

    synchronized boolean ended() {
        return ended;
    }

    /** Marks the session over (expired or shut down): it takes no connection any more. */
    synchronized void end() {
        ended = true;
    }

    /** Millis since the player's connection dropped, or -1 while connected. */
    synchronized long detachedFor(long nowMillis) {
        return connection != null ? -1 : nowMillis - detachedAtMillis;
    }

    /** The outcome of attaching a connection. */
    record Attach(boolean attached, boolean covered, Connection replaced) {
        static final Attach ENDED = new Attach(false, true, null);
        static final Attach NOT_COVERED = new Attach(false, false, null);
    }

    /**
     * Makes {@code c} the player's connection if every event after {@code lastSeq} is still kept:
     * under the lock, tells {@code presence} the room (or null), sends {@code reply}, then those
     * events, so no new event can come between or before them. Changes nothing if some are gone
     * ({@link Attach#NOT_COVERED}) or the session has ended or {@code c} is closing.
     */
    synchronized Attach attachReplaying(Connection c, String reply, long lastSeq, Consumer<String> presence) {
        if (ended || c.isClosing()) {
            return Attach.ENDED;
        }
        long first = recent.isEmpty() ? seq + 1 : recent.peekFirst().seq();
        if (lastSeq < 0 || lastSeq > seq || lastSeq + 1 < first) {
            return Attach.NOT_COVERED;
        }
        Connection old = connection;
        connection = c;
        presence.accept(roomId);
        c.send(reply);
        for (Sent s : recent) {
            if (s.seq() > lastSeq) {
                c.send(s.json());
            }
        }
        return new Attach(true, true, old == c ? null : old);
    }

    /**
     * Makes {@code c} the player's connection and sends {@code reply}; room events are held from
     * here until the {@link #snapshot} that must follow, so the client gets the snapshot first.
     */
    synchronized Attach attachHolding(Connection c, String reply, Consumer<String> presence) {
        if (ended || c.isClosing()) {
            return Attach.ENDED;
        }
        Connection old = connection;
        connection = c;
        if (roomId != null && held == null) {
            held = new ArrayList<>();
            heldSinceNanos = System.nanoTime();
        }
        presence.accept(roomId);
        c.send(reply);
        return new Attach(true, true, old == c ? null : old);
    }

    /**
     * Forgets {@code c} if it is the player's connection, starting the grace period, and tells
     * {@code presence} the room (or null) under the lock; true if it was.
     */
    synchronized boolean detach(Connection c, long nowMillis, Consumer<String> presence) {
        if (connection != c) {
            return false;
        }
        connection = null;
        detachedAtMillis = nowMillis;
        presence.accept(roomId);
        return true;
    }

    // ---------------------------------------------------------------- room membership

    /**
     * Enters a room, before subscribing to it: from now on its events are held until
     * {@link #snapshot} releases them, so nothing between subscribing and the snapshot is lost or
     * doubled. Returns the previous subscription, to be closed by the caller.
     */
    synchronized AutoCloseable enter(String room) {
        AutoCloseable old = subscription;
        roomId = room;
        gameType = null;
        subscription = null;
        held = new ArrayList<>();
        heldSinceNanos = System.nanoTime();
        roomVersion = 0;
        lastRoomNewsNanos = System.nanoTime();
        return old;
    }

    /** Records the subscription made after {@link #enter}; returns it back if the room changed since. */
    synchronized AutoCloseable subscribed(String room, AutoCloseable sub) {
        if (!room.equals(roomId)) {
            return sub;
        }
        subscription = sub;
        return null;
    }

    /** Leaves the room; returns the subscription to close (or null). */
    synchronized AutoCloseable leave() {
        AutoCloseable old = subscription;
        roomId = null;
        gameType = null;
        subscription = null;
        held = null;
        return old;
    }

    /** Starts holding room events until the next {@link #snapshot}. */
    synchronized void hold() {
        if (held == null) {
            held = new ArrayList<>();
            heldSinceNanos = System.nanoTime();
        }
    }

    /**
     * Whether this connected player may have been left behind: events have been held for a
     * snapshot for longer than {@code heldMillis}, or the room stands at {@code roomVersionNow},
     * newer than anything the player was told, and nothing of the room reached the player for
     * {@code quietMillis}.
     */
    synchronized boolean leftBehind(long roomVersionNow, long quietMillis, long heldMillis, long nowNanos) {
        if (connection == null || roomId == null) {
            return false;
        }
        boolean behind = held != null ? nowNanos - heldSinceNanos > heldMillis * 1_000_000L
                : roomVersionNow > roomVersion && nowNanos - lastRoomNewsNanos > quietMillis * 1_000_000L;
        if (behind) {
            heldSinceNanos = nowNanos; // asked again only after another quiet period
            lastRoomNewsNanos = nowNanos;
        }
        return behind;
    }

    // ---------------------------------------------------------------- the event stream

    /** Called by the room (on the room's thread): never blocks, never throws. */
    void onRoomEvent(RoomEvent e) {
        synchronized (this) {
            if (roomId == null || !roomId.equals(e.roomId())) {
                return;
            }
            if (held != null) {
                held.add(e);
                return;
            }
            emitEvent(e);
        }
    }

    /**
     * The events of one change of the room (an action's events and this player's view), called by
     * the room on its thread: sent as one {@code batch} message to a connection that asked for it,
     * else one message each. Each event still has its own {@code seq} and is kept for a resume on
     * its own. Never blocks, never throws.
     */
    void onRoomEvents(List<RoomEvent> events) {
        synchronized (this) {
            if (roomId == null || !roomId.equals(events.get(0).roomId())) {
                return;
            }
            if (held != null) {
                held.addAll(events);
                return;
            }
            Connection c = connection;
            if (c == null || !c.batch()) {
                for (RoomEvent e : events) {
                    emitEvent(e);
                }
                return;
            }
            List<String> texts = new ArrayList<>(events.size());
            for (RoomEvent e : events) {
                texts.add(keep(eventJson(e)));
            }
            c.send(texts.size() == 1 ? texts.get(0) : Protocol.batch(texts));
        }
    }

    /**
     * Sends a snapshot (a {@code RoomService.view} taken after {@link #hold}), then the events held
     * since that the snapshot does not already contain. Events of the view's version or older are
     * in it, except room and pause notices, which are repeated (they state, rather than change).
     */
    synchronized void snapshot(Map<String, Object> view, long viewVersion) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "snapshot");
        m.put("room", view.get("room") instanceof RoomInfo info ? Protocol.room(info) : Map.of());
        if (view.get("room") instanceof RoomInfo info && info.roomId().equals(roomId)) {
            gameType = info.gameType();
        }
        m.put("seat", view.getOrDefault("seat", -1));
        m.put("game", view.get("game"));
        m.put("allowedActions", view.getOrDefault("allowedActions", List.of()));
        if (view.containsKey("result")) {
            m.put("result", view.get("result"));
        }
        emit(m);
        roomVersion = Math.max(roomVersion, viewVersion);
        lastRoomNewsNanos = System.nanoTime();
        List<RoomEvent> pending = held == null ? List.of() : held;
        held = null;
        for (RoomEvent e : pending) {
            if (roomId == null || !roomId.equals(e.roomId())) {
                continue;
            }
            boolean notice = e.type().equals("room_changed") || e.type().equals("game_paused")
                    || e.type().equals("game_resumed");
            if (e.version() > viewVersion || (notice && e.version() == viewVersion)) {
                emitEvent(e);
            }
        }
    }

    /** A snapshot of no room (the player sits nowhere). */
    synchronized void emptySnapshot() {
        held = null;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "snapshot");
        m.put("room", null);
        m.put("seat", -1);
        m.put("game", null);
        m.put("allowedActions", List.of());
        emit(m);
    }

    /**
     * Sends a room event as its protocol message. The JSON of data shared by every subscriber (event
     * data, room info) is written once per event, not once per player. Caller holds the lock.
     */
    private void emitEvent(RoomEvent e) {
        send(keep(eventJson(e)));
    }

    /** A room event as its protocol message, numbered with the next {@code seq}. Caller holds the lock. */
    private Sent eventJson(RoomEvent e) {
        roomVersion = Math.max(roomVersion, e.version());
        lastRoomNewsNanos = System.nanoTime();
        long s = ++seq;
        // One message per player and event; the shared part is written once for all players.
        return new Sent(s, switch (e.type()) {
            case "room_changed" -> protocol.json(new ServerEvent.Room(s, protocol.sharedJson(e.data().get("room"))));
            case "view" -> protocol.state(s, e.roomId(), e.version(), e.data().get("game"),
                    e.data().getOrDefault("allowedActions", List.of()));
            default -> protocol.json(new ServerEvent.Event(s, e.roomId(), e.version(), e.type(), protocol.sharedJson(e.data())));
        });
    }

    /** Numbers, records and sends one server message built as a map. Caller holds the lock. */
    private void emit(Map<String, Object> body) {
        long s = ++seq;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", body.get("type"));
        m.put("seq", s);
        body.forEach((k, v) -> {
            if (!k.equals("type")) {
                m.put(k, v);
            }
        });
        send(keep(new Sent(s, protocol.write(m))));
    }

    /** Keeps a numbered message for a resume; returns its text. Caller holds the lock. */
    private String keep(Sent sent) {
        recent.addLast(sent);
        int keep = connection == null ? replayLimit : KEEP_WHILE_CONNECTED;
        while (recent.size() > keep) {
            recent.removeFirst();
        }
        return sent.json();
    }

    /** Sends a message to the player's connection, if any. Caller holds the lock. */
    private void send(String json) {
        if (connection != null) {
            connection.send(json);
        }
    }

    /** Sends a reply on {@code c}, ordered with this session's events. */
    synchronized void reply(Connection c, String json) {
        c.send(json);
    }
}
