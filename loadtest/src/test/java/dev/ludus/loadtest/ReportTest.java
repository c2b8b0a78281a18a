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
        return new GameRun.Result(2, 2, 8, 8, 1000, 2.0, NONE, NONE, NONE, Map.of(), server, null);
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
}
