package dev.ludus.itests;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomService;
import dev.ludus.api.rooms.RoomState;
import dev.ludus.testing.fixtures.ProtocolClient;

/**
 * A steady load of players for the swap suite: each player plays Liap Tui against three bots over
 * a real WebSocket, game after game, choosing among what the server offers, and keeps playing
 * through anything a swap does to it: refused requests are retried, a closed connection is resumed
 * with the player's token. Everything a player sees is recorded for {@link SwapIT} to count.
 */
final class SwapLoad implements AutoCloseable {

    /** One request and its answer; {@code code} is null for ok. */
    record Req(int player, String type, long sentNanos, long doneNanos, String code) {
        long millis() {
            return (doneNanos - sentNanos) / 1_000_000;
        }
    }

    /** One player's life, read by the suite between swaps. */
    static final class Player {
        final int index;
        volatile ProtocolClient client;
        volatile String room;
        /** The newest room version the player was told of, and when the player last heard anything. */
        volatile long seenVersion;
        volatile long lastHeardNanos = System.nanoTime();
        volatile boolean connected;
        /** Acknowledged moves per room. */
        final Map<String, Integer> acked = new ConcurrentHashMap<>();
        final Set<String> rooms = ConcurrentHashMap.newKeySet();
        /** Rooms whose end this player saw, over every connection it had. */
        final Set<String> over = ConcurrentHashMap.newKeySet();
        final List<Integer> closeCodes = Collections.synchronizedList(new ArrayList<>());
        final List<Long> resumeMillis = Collections.synchronizedList(new ArrayList<>());
        volatile Throwable failure;
        volatile boolean done;
        /** The last-heard time of the silence already recorded, so one silence counts once. */
        volatile long flaggedSilence = -1;
        /** The request the player waits on the reply of, or null, and since when: for failure messages. */
        volatile String waitingFor;
        volatile long waitingSince;

        Player(int index) {
            this.index = index;
        }
    }

    /** Refusals that mean the view acted on was already old: wait for the next one. */
    private static final long SILENT_NANOS = 5_000_000_000L;
    /** Messages a player's client keeps: what it reads it reads at once, the rest is for failure messages. */
    private static final int KEEP_MESSAGES = 1000;
    private static final Set<String> STALE = Set.of("not_your_turn", "illegal_action", "game_over");

    private final URI uri;
    private final Supplier<RoomService> rooms;
    private final List<Player> players = new ArrayList<>();
    final List<Req> requests = Collections.synchronizedList(new ArrayList<>());
    /** Each time a player was left silently behind: {player, since (nanoTime of the last thing heard)}. */
    final List<long[]> silences = Collections.synchronizedList(new ArrayList<>());
    /** For each silence, in the same order: what the player and the room looked like when it was found. */
    final List<String> silenceDetails = Collections.synchronizedList(new ArrayList<>());
    private final java.util.concurrent.ScheduledExecutorService monitor = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService pool;
    private volatile boolean draining;
    private volatile boolean stopped;

    SwapLoad(URI uri, Supplier<RoomService> rooms, int count) {
        this.uri = uri;
        this.rooms = rooms;
        this.pool = Executors.newFixedThreadPool(count);
        for (int i = 0; i < count; i++) {
            players.add(new Player(i));
        }
    }

    List<Player> players() {
        return players;
    }

    void start() {
        monitor.scheduleWithFixedDelay(this::watch, 500, 500, TimeUnit.MILLISECONDS);
        for (Player p : players) {
            pool.execute(() -> {
                try {
                    run(p);
                } catch (Throwable t) {
                    p.failure = t;
                } finally {
                    p.done = true;
                }
            });
        }
    }

    /** Players finish the games they are in and start no more. */
    void drain() {
        draining = true;
    }

    /** Waits until every player has finished; true if all did within {@code millis}. */
    boolean awaitDrained(long millis) throws InterruptedException {
        pool.shutdown();
        return pool.awaitTermination(millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        stopped = true;
        monitor.shutdownNow();
        pool.shutdownNow();
        for (Player p : players) {
            if (p.client != null) {
                p.client.close();
            }
        }
    }

    // ---------------------------------------------------------------- one player

    private void run(Player p) throws Exception {
        p.client = connectNew(p);
        int seen = 0;
        long actedOn = -1;
        while (!stopped) {
            ProtocolClient c = p.client;
            if (c.awaitClosed(0)) {
                p.connected = false;
                p.closeCodes.add(c.closeCode());
                long closedAt = System.nanoTime();
                p.client = resume(p, c);
                p.resumeMillis.add((System.nanoTime() - closedAt) / 1_000_000);
                seen = 0;
                actedOn = -1;
                continue;
            }
            // Only the news: a player hears tens of thousands of messages over the suite, and looking
            // through all of them each time round made its every request slower as the run went on.
            int heard = c.forEachFrom(seen, m -> note(p, m));
            if (heard > seen) {
                p.lastHeardNanos = System.nanoTime();
                seen = heard;
            }
            if (p.room == null || p.over.contains(p.room)) {
                Map<String, Object> latest = c.latestView();
                String shown = roomOf(latest);
                if (shown != null && !shown.equals(p.room) && !p.over.contains(shown)) {
                    // A room this player sits in that it did not see start (a reply lost in a swap):
                    // start it if it still waits, then play it.
                    if ("WAITING".equals(stateOf(latest)) && !ok(request(p, c, "start", Map.of()))) {
                        request(p, c, "leave_room", Map.of());
                    } else {
                        p.seenVersion = 0;
                        p.room = shown;
                        p.rooms.add(shown);
                        continue;
                    }
                }
                if (draining) {
                    return;
                }
                if (!newGame(p, c)) {
                    Thread.sleep(100);
                }
                continue;
            }
            Map<String, Object> view = c.latestView();
            @SuppressWarnings("unchecked")
            List<String> allowed = view == null ? List.of() : (List<String>) view.getOrDefault("allowedActions", List.of());
            long seq = view == null ? -1 : ((Number) view.get("seq")).longValue();
            if (allowed.isEmpty() || seq <= actedOn) {
                try {
                    c.awaitAfter(seen, "news", m -> true, 200);
                } catch (AssertionError quiet) {
                    // nothing new within 200 ms: look again
                }
                continue;
            }
            actedOn = seq;
            Map<String, Object> move = LiapTuiPlayer.move(view, allowed);
            Map<String, Object> reply = request(p, c, "act", move);
            if (reply != null && "ok".equals(reply.get("type"))) {
                p.acked.merge(p.room, 1, Integer::sum);
            } else if (reply == null || !STALE.contains(String.valueOf(reply.get("code")))) {
                // Refused for a passing reason (paused, unavailable): the same view stands; try it again.
                actedOn = -1;
                Thread.sleep(100);
            }
        }
    }

    private ProtocolClient connectNew(Player p) throws Exception {
        long end = System.currentTimeMillis() + 30_000;
        while (true) {
            try {
                // A player keeps its recent messages only (its resumed clients too): it plays for long.
                ProtocolClient c = ProtocolClient.hello(uri, "swapper" + p.index).keepAtMost(KEEP_MESSAGES);
                p.connected = true;
                return c;
            } catch (Exception | AssertionError e) {
                if (System.currentTimeMillis() > end) {
                    throw new IllegalStateException("player " + p.index + " could not connect", e);
                }
                Thread.sleep(100);
            }
        }
    }

    private ProtocolClient resume(Player p, ProtocolClient old) throws Exception {
        long end = System.currentTimeMillis() + 60_000;
        while (true) {
            try {
                ProtocolClient c = old.resume(uri);
                p.connected = true;
                return c;
            } catch (Exception | AssertionError e) {
                if (System.currentTimeMillis() > end) {
                    throw new IllegalStateException("player " + p.index + " could not resume", e);
                }
                Thread.sleep(50);
            }
        }
    }

    /** Remembers the room version the message tells of. */
    @SuppressWarnings("unchecked")
    private static void note(Player p, Map<String, Object> m) {
        if (ProtocolClient.isGameOver(m) && m.get("roomId") instanceof String id) {
            p.over.add(id);
        } else if ("snapshot".equals(m.get("type")) && m.get("room") instanceof Map<?, ?> r && r.get("roomId") instanceof String id
                && (m.containsKey("result") || "FINISHED".equals(r.get("state")))) {
            // The room's state says the game is over, whether or not the snapshot could carry the
            // result (RoomRuntimeTest covers that it does while the game's bundle is away).
            p.over.add(id);
        }
        if (m.get("roomId") instanceof String id && !id.equals(p.room)) {
            return; // late news of an earlier game
        }
        Object v = m.get("v");
        if (v == null && m.get("room") instanceof Map<?, ?> room) {
            v = ((Map<String, Object>) room).get("version");
            if (room.get("roomId") != null && !room.get("roomId").equals(p.room)) {
                return;
            }
        }
        if (v instanceof Number n && n.longValue() > p.seenVersion) {
            p.seenVersion = n.longValue();
        }
    }

    /** The room state a snapshot message shows, or null. */
    private static Object stateOf(Map<String, Object> view) {
        return view != null && view.get("room") instanceof Map<?, ?> r ? r.get("state") : null;
    }

    /** The room a state or snapshot message is about, or null. */
    private static String roomOf(Map<String, Object> view) {
        if (view == null) {
            return null;
        }
        if (view.get("roomId") instanceof String id) {
            return id;
        }
        return view.get("room") instanceof Map<?, ?> r && r.get("roomId") instanceof String id ? id : null;
    }

    /** Creates, fills and starts a one-round game; false if a step was refused (it is retried). */
    @SuppressWarnings("unchecked")
    private boolean newGame(Player p, ProtocolClient c) throws Exception {
        Map<String, Object> created = request(p, c, "create_room", Map.of("game", "liap-tui", "name", "swap " + p.index,
                "options", Map.of("maxRounds", 1)));
        if (created == null || !"ok".equals(created.get("type"))) {
            return false;
        }
        String room = (String) ((Map<String, Object>) ((Map<String, Object>) created.get("result")).get("room")).get("roomId");
        if (!ok(request(p, c, "join_room", Map.of("room", room)))) {
            return false;
        }
        boolean started = true;
        for (int i = 0; i < 3 && started; i++) {
            started = ok(request(p, c, "add_bot", Map.of()));
        }
        started = started && ok(request(p, c, "start", Map.of()));
        if (!started) {
            // Refused half-way (a swap): leave the unstarted room to its empty-room close, and try anew.
            request(p, c, "leave_room", Map.of());
            return false;
        }
        p.seenVersion = 0;
        p.room = room;
        p.rooms.add(room);
        return true;
    }

    private static boolean ok(Map<String, Object> reply) {
        return reply != null && "ok".equals(reply.get("type"));
    }

    /** Sends a request and records it; null if the connection closed before the reply. */
    private Map<String, Object> request(Player p, ProtocolClient c, String type, Map<String, Object> fields) {
        long sent = System.nanoTime();
        p.waitingSince = sent;
        p.waitingFor = type;
        try {
            Map<String, Object> reply = c.request(type, fields);
            String code = "ok".equals(reply.get("type")) ? null : String.valueOf(reply.get("code"));
            requests.add(new Req(p.index, type, sent, System.nanoTime(), code));
            return reply;
        } catch (Exception | AssertionError e) {
            requests.add(new Req(p.index, type, sent, System.nanoTime(), c.isClosed() ? "closed" : "no_reply"));
            return null;
        } finally {
            p.waitingFor = null;
        }
    }

    // ---------------------------------------------------------------- what the suite reads

    private static String waiting(Player p, long now) {
        String type = p.waitingFor;
        return type == null ? "waiting on no reply" : "waiting " + (now - p.waitingSince) / 1_000_000 + " ms on the reply to " + type;
    }

    /** What each player that has not finished is doing, for a failure message. */
    String stuck() {
        StringBuilder b = new StringBuilder();
        RoomService rs = rooms.get();
        for (Player p : players) {
            if (p.done) {
                continue;
            }
            String room = p.room;
            ProtocolClient c = p.client;
            b.append("player ").append(p.index).append(" room ").append(room).append(' ')
                    .append(rs == null || room == null ? "?" : rs.get(room).map(i -> i.state() + " v" + i.version()).orElse("gone"))
                    .append(" seen v").append(p.seenVersion).append(" heard ")
                    .append((System.nanoTime() - p.lastHeardNanos) / 1_000_000).append(" ms ago, closed ")
                    .append(c == null || c.isClosed()).append(", last ").append(c == null ? "" : c.tail(3)).append('\n');
        }
        return b.toString();
    }

    /**
     * Watches for players left silently behind: connected, in a game the rooms service shows
     * running at a version newer than any they were told of, and nothing heard for 5 s. Each such
     * silence is recorded once, with when it began.
     */
    private void watch() {
        try {
            RoomService rs = rooms.get();
            if (rs == null) {
                return;
            }
            long now = System.nanoTime();
            for (Player p : players) {
                String room = p.room;
                ProtocolClient c = p.client;
                long heard = p.lastHeardNanos;
                if (room == null || !p.connected || c == null || c.isClosed() || heard == p.flaggedSilence
                        || now - heard < SILENT_NANOS) {
                    continue;
                }
                RoomInfo info = rs.get(room).orElse(null);
                if (info != null && (info.state() == RoomState.PLAYING || info.state() == RoomState.PAUSED)
                        && info.version() > p.seenVersion) {
                    p.flaggedSilence = heard;
                    synchronized (silences) {
                        silences.add(new long[] {p.index, heard});
                        silenceDetails.add("player " + p.index + " room " + room + " " + info.state() + " v"
                                + info.version() + ", player saw v" + p.seenVersion + ", heard nothing for "
                                + (now - heard) / 1_000_000 + " ms, client kept " + c.kept() + " of " + c.count()
                                + " messages, " + waiting(p, now) + ", last: " + c.tail(4));
                    }
                }
            }
        } catch (RuntimeException e) {
            // a swap in progress: look again next time
        }
    }
}
