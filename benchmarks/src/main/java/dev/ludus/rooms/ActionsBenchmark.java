package dev.ludus.rooms;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.ludus.api.rooms.RoomEvent;
import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomListener;
import dev.ludus.api.rooms.RoomState;
import dev.ludus.eventlog.EventLog;
import dev.ludus.eventlog.LogSettings;
import dev.ludus.eventstore.SnapshotFiles;
import dev.ludus.game.liaptui.LiapTuiDefinition;

/**
 * Durable actions per second through the rooms runtime: N all-bot Liap Tui games, bots moving
 * without thinking, on the real event store (group commit, fsync) with snapshots, each room
 * watched by one observer as a connected client would. After a warm-up, counts the actions made
 * durable during a measured window (the growth of the rooms' versions: one record per action) and
 * the time between consecutive durable actions of one room, as the observer sees them.
 *
 * <p>The games are long (1,000 rounds, no winning score), so the load stays at N games for the
 * whole window; the report says how many finished anyway. The benchmark touches the runtime only
 * through its component methods and {@link dev.ludus.api.rooms.RoomService}, so the same source
 * measures any revision of the runtime. The last line is machine-readable:
 * {@code RESULT actions_per_s=… gap_p50_ms=… gap_p99_ms=…}.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.ludus.rooms.ActionsBenchmark [games=1000] [warmup-s=5] [measure-s=20]</pre>
 */
public final class ActionsBenchmark {

    private ActionsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int games = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        Path dir = Files.createTempDirectory("ludus-actions");
        try {
            run(dir, games, warmup, seconds);
        } finally {
            RecoveryBenchmark.delete(dir);
        }
        System.exit(0);
    }

    private static void run(Path dir, int games, int warmup, int seconds) throws Exception {
        Clock clock = Clock.systemUTC();
        EventLog log = EventLog.open(dir.resolve("events"), LogSettings.defaults(), clock);
        RoomRuntime runtime = new RoomRuntime();
        runtime.bindGame(new LiapTuiDefinition());
        runtime.bindEventStore(log);
        runtime.bindSnapshotStore(new SnapshotFiles(dir.resolve("snapshots"), clock));
        runtime.activate(BenchmarkConfig.withBotThink(0));

        List<String> ids = createRooms(runtime, games);
        List<Observer> observers = new ArrayList<>();
        List<AutoCloseable> subscriptions = new ArrayList<>();
        for (String id : ids) {
            Observer o = new Observer();
            observers.add(o);
            subscriptions.add(runtime.subscribe(id, "observer", o));
        }
        long s0 = System.nanoTime();
        for (String id : ids) {
            runtime.start(id);
        }
        System.out.printf("%d games started in %.1f s; warm-up %d s%n", games, (System.nanoTime() - s0) / 1e9, warmup);
        Thread.sleep(warmup * 1000L);

        long v0 = RecoveryBenchmark.totalVersion(runtime, ids);
        long t0 = System.nanoTime();
        observers.forEach(o -> o.recording = true);
        Thread.sleep(seconds * 1000L);
        observers.forEach(o -> o.recording = false);
        long v1 = RecoveryBenchmark.totalVersion(runtime, ids);
        double elapsed = (System.nanoTime() - t0) / 1e9;

        runtime.settle(); // the observers' last samples are written before they are read
        long finished = ids.stream().map(runtime::get)
                .filter(r -> r.map(RoomInfo::state).orElse(RoomState.FINISHED) != RoomState.PLAYING).count();
        long[] gaps = observers.stream().flatMapToLong(o -> Arrays.stream(o.gaps, 0, o.count)).sorted().toArray();
        double rate = (v1 - v0) / elapsed;
        double p50 = percentile(gaps, 0.50);
        double p99 = percentile(gaps, 0.99);
        System.out.printf("%d all-bot games, bot think 0 ms: %d durable actions in %.1f s = %.0f actions/s%n",
                games, v1 - v0, elapsed, rate);
        System.out.printf("time from one durable action of a room to its next, as its observer sees it: "
                + "p50 %.2f ms, p99 %.2f ms, max %.1f ms (%d samples)%n", p50, p99,
                gaps.length == 0 ? 0 : gaps[gaps.length - 1] / 1e6, gaps.length);
        System.out.printf("games not playing at the end (finished or paused; should be 0): %d%n", finished);
        System.out.printf("RESULT actions_per_s=%.0f gap_p50_ms=%.3f gap_p99_ms=%.3f%n", rate, p50, p99);
        for (AutoCloseable s : subscriptions) {
            s.close();
        }
        runtime.deactivate();
        log.close();
    }

    private static List<String> createRooms(RoomRuntime runtime, int games) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(64);
        try {
            List<Future<String>> created = new ArrayList<>();
            for (int i = 0; i < games; i++) {
                int n = i;
                created.add(pool.submit(() -> runtime.create("liap-tui", "g" + n, RecoveryBenchmark.LONG_GAME).roomId()));
            }
            List<String> ids = new ArrayList<>();
            for (Future<String> f : created) {
                ids.add(f.get());
            }
            return ids;
        } finally {
            pool.shutdown();
        }
    }

    /** In milliseconds. */
    private static double percentile(long[] sortedNanos, double q) {
        if (sortedNanos.length == 0) {
            return 0;
        }
        int i = (int) Math.min(sortedNanos.length - 1, Math.ceil(q * sortedNanos.length) - 1);
        return sortedNanos[Math.max(0, i)] / 1e6;
    }

    /**
     * Watches one room: notes when each new version first shows up. A room delivers its events in
     * order from one thread at a time, so the fields need no lock.
     */
    private static final class Observer implements RoomListener {
        volatile boolean recording;
        private long lastVersion = -1;
        private long lastNanos;
        long[] gaps = new long[256];
        int count;

        @Override
        public void onEvent(RoomEvent event) {
            if (event.version() <= lastVersion) {
                return;
            }
            long now = System.nanoTime();
            if (recording && lastVersion >= 0 && event.version() == lastVersion + 1) {
                if (count == gaps.length) {
                    gaps = Arrays.copyOf(gaps, count * 2);
                }
                gaps[count++] = now - lastNanos;
            }
            lastVersion = event.version();
            lastNanos = now;
        }
    }
}
