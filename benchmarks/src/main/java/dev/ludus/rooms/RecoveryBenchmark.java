package dev.ludus.rooms;

import java.lang.annotation.Annotation;
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
import dev.ludus.eventstore.EventLog;
import dev.ludus.eventstore.LogSettings;
import dev.ludus.eventstore.SnapshotFiles;
import dev.ludus.game.liaptui.LiapTuiDefinition;

/**
 * Time to recover unfinished games after a crash: plays N all-bot Liap Tui games on the real
 * event store until each has some history, abandons the runtime without its shutdown snapshots
 * (as a crash would), then starts a fresh runtime on the reopened log and measures until every
 * game is back, checking each is at exactly the state it was left in. Baseline in the same run:
 * the same recovery with snapshots ignored (full replay).
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.ludus.rooms.RecoveryBenchmark [games=1000] [actions=60] [runs=3]</pre>
 *
 * (In the rooms package to drive the component's bind and activate methods without a framework.)
 */
public final class RecoveryBenchmark {

    private RecoveryBenchmark() {
    }

    static RoomsConfig config(long botThink) {
        return new RoomsConfig() {
            @Override public Class<? extends Annotation> annotationType() { return RoomsConfig.class; }
            @Override public int snapshotEvery() { return 50; }
            @Override public long botThinkMillis() { return botThink; }
            @Override public long idleTimeoutMillis() { return 600_000; }
            @Override public int archiveRetrySeconds() { return 3600; }
            @Override public int threads() { return 0; }
            @Override public int maxOpenRoomsPerPlayer() { return 3; }
            @Override public int emptyRoomSeconds() { return 604_800; }
            @Override public int finishedRoomSeconds() { return 600; }
            @Override public int maxArgumentDepth() { return 8; }
            @Override public int maxArgumentBytes() { return 2048; }
            @Override public int archiveQuarantineAfter() { return 5; }
            @Override public int archiveRetryQuarantined() { return 0; }
        };
    }

    public static void main(String[] args) throws Exception {
        int games = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int actions = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path dir = Files.createTempDirectory("ludus-recovery");
        try {
            run(dir, games, actions, runs);
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.exit(0); // abandoned runtimes keep daemon threads; nothing to wait for
    }

    private static void run(Path dir, int games, int actions, int runs) throws Exception {
        Clock clock = Clock.systemUTC();
        LiapTuiDefinition liapTui = new LiapTuiDefinition();
        EventLog log = EventLog.open(dir.resolve("events"), LogSettings.defaults(), clock);
        SnapshotFiles snapshots = new SnapshotFiles(dir.resolve("snapshots"), clock);
        RoomRuntime first = new RoomRuntime();
        first.bindGame(liapTui);
        first.bindEventStore(log);
        first.bindSnapshotStore(snapshots);
        first.activate(config(0));

        long t0 = System.nanoTime();
        List<String> ids = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(64);
        List<Future<String>> created = new ArrayList<>();
        for (int i = 0; i < games; i++) {
            int n = i;
            created.add(pool.submit(() -> {
                RoomInfo r = first.create("liap-tui", "g" + n, Map.of("redealTimeoutMillis", "3600000", "maxRounds", "1000"));
                first.start(r.roomId());
                return r.roomId();
            }));
        }
        for (Future<String> f : created) {
            ids.add(f.get());
        }
        pool.shutdown();
        while (totalVersion(first, ids) < (long) games * (actions + 6)) {
            Thread.sleep(50);
        }
        first.modified(config(1_000_000_000L));
        first.settle();
        Thread.sleep(200);
        first.settle();
        Map<String, Object> before = new HashMap<>();
        for (String id : ids) {
            before.put(id, first.view(id, "observer"));
        }
        long events = totalVersion(first, ids);
        double playSeconds = (System.nanoTime() - t0) / 1e9;
        log.close(); // the process "dies": what is durable is all there is
        System.out.printf("played %d games to %d events in %.1f s (%.0f durable actions/s through rooms)%n",
                games, events, playSeconds, events / playSeconds);

        List<Long> withSnapshots = new ArrayList<>();
        List<Long> fullReplay = new ArrayList<>();
        List<Long> scans = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            for (boolean useSnapshots : new boolean[] {true, false}) {
                long s0 = System.nanoTime();
                EventLog reopened = EventLog.open(dir.resolve("events"), LogSettings.defaults(), clock);
                scans.add((System.nanoTime() - s0) / 1_000_000);
                RoomRuntime second = new RoomRuntime();
                second.bindGame(liapTui);
                if (useSnapshots) {
                    second.bindSnapshotStore(new SnapshotFiles(dir.resolve("snapshots"), clock));
                }
                second.bindEventStore(reopened);
                long r0 = System.nanoTime();
                second.activate(config(1_000_000_000L));
                while (((Number) second.check().details().get("recoveryMillis")).longValue() < 0) {
                    Thread.sleep(1);
                }
                long millis = (System.nanoTime() - r0) / 1_000_000;
                (useSnapshots ? withSnapshots : fullReplay).add(millis);
                for (String id : ids) {
                    if (!before.get(id).equals(second.view(id, "observer"))) {
                        throw new AssertionError("room " + id + " recovered at a different state");
                    }
                }
                reopened.close();
            }
        }
        System.out.printf("recover %d games (%d events), snapshots every 50 actions: runs %s ms, median %d ms%n",
                games, events, withSnapshots, median(withSnapshots));
        System.out.printf("baseline, full replay without snapshots: runs %s ms, median %d ms%n", fullReplay,
                median(fullReplay));
        System.out.printf("event log open (start-up scan): runs %s ms, median %d ms%n", scans, median(scans));
        System.out.println("every game recovered at exactly the state it was left in");
    }

    private static long totalVersion(RoomRuntime rt, List<String> ids) {
        long sum = 0;
        for (String id : ids) {
            sum += rt.get(id).map(RoomInfo::version).orElse(0L);
        }
        return sum;
    }

    private static long median(List<Long> values) {
        List<Long> s = new ArrayList<>(values);
        s.sort(null);
        return s.get(s.size() / 2);
    }
}
