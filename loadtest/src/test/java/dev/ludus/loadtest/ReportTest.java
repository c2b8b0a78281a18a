package dev.ludus.loadtest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.Map;

import org.junit.Test;

public class ReportTest {

    private static final Latencies.Summary NONE = new Latencies().summary();
    private static final LoadTool.Options OPTIONS = new LoadTool.Options("ws://127.0.0.1:9123/ws", 8, 1, 0, 10, 1, true);

    private static GameRun.Result games(ServerMetrics.Delta server) {
        return new GameRun.Result(2, 2, 8, 8, 1000, 2.0, NONE, NONE, NONE, Map.of(), server, null, 0);
    }

    private static EchoRun.Result echo() {
        return new EchoRun.Result(8, 8, 4000, 1.0, NONE, 0.2, null);
    }

    @Test
    public void theSummaryHasBothServersCpuPerMessageAndTheirRatio() {
        LoadTool.Report r = new LoadTool.Report(OPTIONS, games(new ServerMetrics.Delta(0.5, 100, 0.2, null)), echo());
        assertEquals(500.0, r.serverCpuMicrosPerAction(), 1e-9);
        assertEquals(0.25, r.serverCores(), 1e-9);
        assertEquals(50.0, r.echoCpuMicrosPerRoundTrip(), 1e-9);
        assertEquals(10.0, r.cpuRatioToEcho(), 1e-9);
        String s = r.toString();
        assertTrue(s, s.contains("\n  server CPU per action:     500.0 us (0.50 s of CPU over 1000 actions)\n"));
        assertTrue(s, s.contains("\n  server CPU utilisation:    0.25 cores over 2.0 s\n"));
        assertTrue(s, s.contains("\n  server fsyncs:             100, 0.100 per action, mean 2.00 ms\n"));
        assertTrue(s, s.contains("\n  echo CPU per round trip:   50.0 us "));
        assertTrue(s, s.contains("\nServer CPU per action as a multiple of echo CPU per round trip: 10.0\n"));
        assertNull(r.failure());
    }

    @Test
    public void unreadableMetricsAreOneClearLineAndNotAFailure() {
        LoadTool.Report r = new LoadTool.Report(OPTIONS,
                games(ServerMetrics.Delta.unreadable("could not read http://127.0.0.1:9123/metrics: GET answered 404")), echo());
        String s = r.toString();
        assertTrue(s, s.contains("\n  server CPU per action:     unknown: could not read http://127.0.0.1:9123/metrics: GET answered 404\n"));
        assertFalse(s, s.contains("server CPU utilisation"));
        assertFalse(s, s.contains("as a multiple of echo CPU"));
        assertTrue(s, s.contains("echo CPU per round trip:   50.0 us"));
        assertTrue(Double.isNaN(r.serverCpuMicrosPerAction()));
        assertNull(r.failure());
    }

    private static IdleRun.Result idle(Map<Integer, Integer> dropped, ServerMetrics.Memory before, ServerMetrics.Memory after,
                                       String unknown) {
        Latencies health = new Latencies();
        for (int i = 1; i <= 40; i++) {
            health.record(i * 100_000L); // 0.1 .. 4.0 ms
        }
        int lost = dropped.values().stream().mapToInt(Integer::intValue).sum();
        return new IdleRun.Result(1000, 1000, 1000 - lost, dropped, Map.of(), 2.5, before, after, unknown, health.summary(),
                Map.of(200, 40), 100L << 20, (100L << 20) + 1000 * 2048, 7);
    }

    @Test
    public void idleConnectionsReportTheServersMemoryPerConnectionAndHealth() {
        // 1000 connections: resident 500 MiB -> 510 MiB (10.24 KiB each), heap 200 MiB -> 205 MiB.
        IdleRun.Result idle = idle(Map.of(), new ServerMetrics.Memory(500L << 20, 200L << 20),
                new ServerMetrics.Memory(510L << 20, 205L << 20), null);
        LoadTool.Report r = new LoadTool.Report(OPTIONS.withIdle(1000), games(new ServerMetrics.Delta(0.5, 100, 0.2, null)), idle, echo());
        assertEquals(10.0 * 1024 * 1024 / 1000, r.serverResidentBytesPerIdleConnection(), 1e-9);
        assertEquals(1000, r.idleOpened());
        assertEquals(1000, r.idleOpenAtEnd());
        String s = r.toString();
        assertTrue(s, s.contains("\nIdle connections (hello, then silent), opened before the games and held through them: 1000\n"));
        assertTrue(s, s.contains("\n  idle opened:               1000 of 1000 in 2.5 s, hello retried after overloaded: 7\n"));
        assertTrue(s, s.contains("\n  idle open at the end:      1000\n"));
        assertTrue(s, s.contains("\n  idle dropped:              0\n"));
        assertTrue(s, s.contains("\n  server memory per idle:    10.2 KiB resident (500.0 MiB before, 510.0 MiB with them open, after 5 s)\n"));
        assertTrue(s, s.contains("\n  server heap per idle:      5.1 KiB used (200.0 MiB before, 205.0 MiB after; no GC forced)\n"));
        assertTrue(s, s.contains("\n  /health while held:        p50 2.00 ms, p99 4.00 ms, max 4.00 ms of 40 GETs (statuses 200 x40)\n"));
        assertTrue(s, s.contains("\n  tool memory per idle:      2.0 KiB resident (this process)\n"));
        // the idle lines sit between the games' and the echo's
        assertTrue(s, s.indexOf("idle opened:") > s.indexOf("server CPU per action:") && s.indexOf("idle opened:") < s.indexOf("Bare Jetty"));
        assertNull(r.failure());
    }

    @Test
    public void droppedIdleConnectionsAreCountedByCloseCodeAndFailTheRun() {
        IdleRun.Result idle = idle(Map.of(4002, 2, 1006, 1), new ServerMetrics.Memory(500L << 20, Double.NaN),
                new ServerMetrics.Memory(510L << 20, Double.NaN), null);
        LoadTool.Report r = new LoadTool.Report(OPTIONS.withIdle(1000), games(new ServerMetrics.Delta(0.5, 100, 0.2, null)), idle, null);
        String s = r.toString();
        assertTrue(s, s.contains("\n  idle open at the end:      997\n"));
        assertTrue(s, s.contains("\n  idle dropped:              3 (by close code: 1006 x1, 4002 x2)\n"));
        assertFalse(s, s.contains("server heap per idle"));
        assertEquals("3 idle connections dropped (close codes {1006=1, 4002=2})", r.failure());
    }

    @Test
    public void unknownServerMemoryIsOneLineWithTheReason() {
        IdleRun.Result idle = idle(Map.of(), null, null, "not read (--no-server-cpu)");
        LoadTool.Report r = new LoadTool.Report(OPTIONS.withIdle(1000), games(ServerMetrics.Delta.unreadable("not read (--no-server-cpu)")), idle, null);
        String s = r.toString();
        assertTrue(s, s.contains("\n  server memory per idle:    unknown: not read (--no-server-cpu)\n"));
        assertTrue(Double.isNaN(r.serverResidentBytesPerIdleConnection()));
        assertNull(r.failure());
    }

    @Test
    public void theNodesMemoryIsReadFromItsMetrics() {
        String text = "# TYPE ludus_jvm_memory_used_bytes gauge\n"
                + "ludus_jvm_memory_used_bytes{area=\"nonheap\",} 9.0E7\n"
                + "ludus_jvm_memory_used_bytes{area=\"heap\",} 2.097152E8\n"
                + "ludus_jvm_process_resident_memory_bytes 6.1E8\n";
        ServerMetrics.Memory m = ServerMetrics.Memory.parse(text);
        assertEquals(6.1e8, m.residentBytes(), 0);
        assertEquals(2.097152e8, m.heapUsedBytes(), 0);
        assertEquals(9.0e7, ServerMetrics.labelled(text, "ludus_jvm_memory_used_bytes", "area=\"nonheap\""), 0);
        assertEquals(2.097152e8, ServerMetrics.Memory.parse(text.replace(",}", "}")).heapUsedBytes(), 0);
        ServerMetrics.Memory unknown = ServerMetrics.Memory.parse("ludus_jvm_process_resident_memory_bytes -1.0\n");
        assertTrue(Double.isNaN(unknown.residentBytes()));
        assertTrue(Double.isNaN(unknown.heapUsedBytes()));
    }
}
