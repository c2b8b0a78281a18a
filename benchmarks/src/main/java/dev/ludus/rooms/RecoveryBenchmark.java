package dev.ludus.rooms;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomService;
import dev.ludus.eventlog.EventLog;
import dev.ludus.eventlog.LogSettings;
import dev.ludus.eventstore.SnapshotFiles;
import dev.ludus.game.liaptui.LiapTuiDefinition;

/**
 * Time to recover unfinished games after a crash: plays N Liap Tui games on the real event store
 * until each has some history, abandons the runtime without its shutdown snapshots (as a crash
 * would), then starts a fresh runtime on the reopened log and measures until every game answers
 * again, checking each is at exactly the state it was left in. Baseline in the same run: the same
 * recovery with snapshots ignored (full replay). A first recovery of each kind warms the code and
 * the page cache up and is reported apart; the medians are of the {@code runs} after it.
 *
 * <p>Every seat is held by a player who is not connected, so bots play it; connecting all of them
 * stops the games where they are. The benchmark touches the runtime only through its component
 * methods ({@code bind…}, {@code activate}, {@code settle}) and {@link RoomService}, so the same
 * source measures any revision of the runtime. The last line is machine-readable:
 * {@code RESULT recovery_ms=… full_replay_ms=… scan_ms=… events=… play_actions_per_s=…}.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.ludus.rooms.RecoveryBenchmark [games=1000] [actions=60] [runs=3]</pre>
 *
 * (In the rooms package to drive the component's bind and activate methods without a framework.)
 */
public final class RecoveryBenchmark {

    /** Long games: nobody wins and no redeal offer times out while the benchmark runs. */
    static final Map<String, String> LONG_GAME =
            Map.of("redealTimeoutMillis", "3600000", "maxRounds", "1000", "winScore", "100000");

    private RecoveryBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int games = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int actions = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path dir = Files.createTempDirectory("ludus-recovery");
        try {
            run(dir, games, actions, runs);
        } finally {
            delete(dir);
        }
        System.exit(0); // abandoned runtimes keep daemon threads; nothing to wait for
    }

    static void delete(Path dir) throws java.io.IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static void run(Path dir, int games, int actions, int runs) throws Exception {
        Clock clock = Clock.systemUTC();
        LiapTuiDefinition liapTui = new LiapTuiDefinition();
        EventLog log = EventLog.open(dir.resolve("events"), LogSettings.defaults(), clock);
        RoomRuntime first = new RoomRuntime();
        first.bindGame(liapTui);
        first.bindEventStore(log);
        first.bindSnapshotStore(new SnapshotFiles(dir.resolve("snapshots"), clock));
        first.activate(BenchmarkConfig.withBotThink(0));

        long t0 = System.nanoTime();
        Map<String, List<String>> players = startGames(first, games);
        List<String> ids = new ArrayList<>(players.keySet());
        long lobbyEvents = totalVersion(first, ids);
        while (totalVersion(first, ids) < lobbyEvents + (long) games * actions) {
            Thread.sleep(20);
        }
        // Every human connects: bots stop playing their seats, and (not persisted) nothing is written.
        players.forEach((id, seated) -> seated.forEach(p -> first.setConnected(id, p, true)));
        long events = settle(first, ids);
        double playSeconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> before = new HashMap<>();
        for (String id : ids) {
            before.put(id, comparable(first.view(id, "observer")));
        }
        log.close(); // the process "dies": what is durable is all there is
        double playRate = (events - lobbyEvents) / playSeconds;
        System.out.printf("played %d games to %d events in %.1f s (%.0f durable actions/s through rooms)%n",
                games, events, playSeconds, playRate);

        List<Long> withSnapshots = new ArrayList<>();
        List<Long> fullReplay = new ArrayList<>();
        List<Long> scans = new ArrayList<>();
        List<Long> cold = new ArrayList<>();
        for (int r = -1; r < runs; r++) { // run -1 warms the code and the page cache up; not counted
            for (boolean useSnapshots : new boolean[] {true, false}) {
                long s0 = System.nanoTime();
                EventLog reopened = EventLog.open(dir.resolve("events"), LogSettings.defaults(), clock);
                long scan = (System.nanoTime() - s0) / 1_000_000;
                RoomRuntime second = new RoomRuntime();
                second.bindGame(liapTui);
                if (useSnapshots) {
                    second.bindSnapshotStore(new SnapshotFiles(dir.resolve("snapshots"), clock));
                }
                second.bindEventStore(reopened);
                long r0 = System.nanoTime();
                second.activate(BenchmarkConfig.withBotThink(1_000_000_000L));
                Map<String, Map<String, Object>> after = new HashMap<>();
                for (String id : ids) {
                    while (second.get(id).isEmpty()) {
                        Thread.onSpinWait();
                    }
                    after.put(id, second.view(id, "observer"));
                }
                long millis = (System.nanoTime() - r0) / 1_000_000;
                if (r < 0) {
                    cold.add(millis);
                } else {
                    (useSnapshots ? withSnapshots : fullReplay).add(millis);
                    scans.add(scan);
                }
                for (String id : ids) {
                    if (!before.get(id).equals(comparable(after.get(id)))) {
                        throw new AssertionError("room " + id + " recovered at a different state");
                    }
                }
                reopened.close(); // the runtime is abandoned too: a shutdown would write snapshots
            }
        }
        System.out.printf("first (cold) recovery, not counted: %d ms with snapshots, %d ms full replay%n",
                cold.get(0), cold.get(1));
        System.out.printf("recover %d games (%d events), snapshots every 50 actions: runs %s ms, median %d ms%n",
                games, events, withSnapshots, median(withSnapshots));
        System.out.printf("baseline, full replay without snapshots: runs %s ms, median %d ms%n", fullReplay,
                median(fullReplay));
        System.out.printf("event log open (start-up scan): runs %s ms, median %d ms%n", scans, median(scans));
        System.out.println("every game recovered at exactly the state it was left in");
        System.out.printf("RESULT recovery_ms=%d full_replay_ms=%d scan_ms=%d events=%d play_actions_per_s=%.0f%n",
                median(withSnapshots), median(fullReplay), median(scans), events, playRate);
    }

    /**
     * Creates {@code games} rooms of Liap Tui, every seat held by a human who is not connected (so a
     * bot plays it), then starts them all. Returns each room's players, by room id, in creation order.
     */
    static Map<String, List<String>> startGames(RoomService rooms, int games) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(64);
        try {
            List<Future<Map.Entry<String, List<String>>>> created = new ArrayList<>();
            for (int i = 0; i < games; i++) {
                int n = i;
                created.add(pool.submit(() -> {
                    RoomInfo r = rooms.create("liap-tui", "g" + n, LONG_GAME);
                    List<String> seated = new ArrayList<>();
                    for (int s = 0; s < r.seats().size(); s++) {
                        String player = "g" + n + "-p" + s;
                        rooms.join(r.roomId(), player, player);
                        seated.add(player);
                    }
                    return Map.entry(r.roomId(), seated);
                }));
            }
            Map<String, List<String>> players = new java.util.LinkedHashMap<>();
            for (Future<Map.Entry<String, List<String>>> f : created) {
                Map.Entry<String, List<String>> e = f.get();
                players.put(e.getKey(), e.getValue());
            }
            // Started only once all are seated, so every game plays about as many actions.
            List<Future<RoomInfo>> started = new ArrayList<>();
            for (String id : players.keySet()) {
                started.add(pool.submit(() -> rooms.start(id)));
            }
            for (Future<RoomInfo> f : started) {
                f.get();
            }
            return players;
        } finally {
            pool.shutdown();
        }
    }

    /** Waits until no room changes any more; returns the sum of their versions then. */
    private static long settle(RoomRuntime rt, List<String> ids) throws InterruptedException {
        long last = -1;
        while (true) {
            rt.settle();
            Thread.sleep(100);
            rt.settle();
            long now = totalVersion(rt, ids);
            if (now == last) {
                return now;
            }
            last = now;
        }
    }

    /** What must survive a crash: the room's version and state, and the game as an observer sees it. */
    private static Object comparable(Map<String, Object> view) {
        RoomInfo room = (RoomInfo) view.get("room");
        return java.util.Arrays.asList(room.version(), room.state(), view.get("gameVersion"), view.get("game"));
    }

    static long totalVersion(RoomService rt, List<String> ids) {
        long sum = 0;
        for (String id : ids) {
            sum += rt.get(id).map(RoomInfo::version).orElse(0L);
        }
        return sum;
    }

    static long median(List<Long> values) {
        List<Long> s = new ArrayList<>(values);
        s.sort(null);
        return s.get(s.size() / 2);
    }
}
