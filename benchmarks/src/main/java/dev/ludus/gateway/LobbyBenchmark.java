package dev.ludus.gateway;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomQuery;
import dev.ludus.eventlog.EventLog;
import dev.ludus.eventlog.LogSettings;
import dev.ludus.game.liaptui.LiapTuiDefinition;
import dev.ludus.rooms.StandaloneRooms;

/**
 * The cost of one {@code list_rooms} reply of 500 rooms out of 2,000, as the gateway answered it
 * before (every request listed, mapped and serialised the rooms) and now (a page's JSON is written
 * once per lobby version and reused). Measured on the real rooms runtime over the real event log.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar LobbyBenchmark -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@Threads(2)
public class LobbyBenchmark {

    @Param({"2000"})
    int rooms;

    private Path dir;
    private EventLog log;
    private StandaloneRooms runtime;
    private final Protocol protocol = new Protocol();
    private LobbyReplies replies;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("ludus-lobby");
        log = EventLog.open(dir.resolve("events"), LogSettings.defaults(), Clock.systemUTC());
        runtime = new StandaloneRooms(new LiapTuiDefinition(), log);
        for (int i = 0; i < rooms; i++) {
            runtime.service().create("liap-tui", "room number " + i + " with a name of some length", Map.of());
        }
        replies = new LobbyReplies(protocol);
        System.out.printf("%nreply size: %d bytes%n", perRequestJson().length());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        runtime.close();
        log.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** What the gateway did for every request before: list, map and serialise 500 rooms. */
    @Benchmark
    public String perRequestJson() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (RoomInfo info : runtime.service().list()) {
            if (out.size() >= 500) {
                break;
            }
            out.add(Protocol.room(info));
        }
        return protocol.ok(42L, Map.of("rooms", out));
    }

    /** What it does now: the page's JSON from the lobby version's cache, with the request's id. */
    @Benchmark
    public String versionedPage() {
        return protocol.okJson(42L, replies.result(runtime.service(), RoomQuery.first(500)));
    }
}
