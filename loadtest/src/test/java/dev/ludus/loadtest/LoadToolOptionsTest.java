package dev.ludus.loadtest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.net.URI;

import org.junit.Test;

public class LoadToolOptionsTest {

    private static LoadTool.Options with(String metricsUrl, boolean serverCpu, String echoCpus) {
        return new LoadTool.Options("ws://127.0.0.1:9123/ws", 8, 1, 0, 10, 1, true, metricsUrl, serverCpu, echoCpus);
    }

    private static void refused(LoadTool.Options o, String option) {
        try {
            LoadTool.check(o);
            fail("accepted " + o);
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith(option));
        }
    }

    @Test
    public void theMetricsAreReadBesideTheGatewayUnlessToldOtherwise() {
        assertEquals(URI.create("http://127.0.0.1:9123/metrics"), LoadTool.check(with(null, true, null)).uri());
        assertEquals(URI.create("http://10.0.0.2:9000/prom"), LoadTool.check(with("http://10.0.0.2:9000/prom", true, null)).uri());
        assertNull(LoadTool.check(with(null, false, null)));
    }

    @Test
    public void aMetricsUrlThatIsNotHttpIsRefusedBeforeAnythingRuns() {
        refused(with("ftp://127.0.0.1/metrics", true, null), "--metrics-url");
        refused(with("127.0.0.1:9123/metrics", true, null), "--metrics-url");
        refused(with("http://bad host/metrics", true, null), "--metrics-url");
    }

    @Test
    public void aCpuListThatIsNotOneIsRefused() {
        refused(with(null, true, "a"), "--echo-cpus");
        refused(with(null, true, "0,"), "--echo-cpus");
        refused(with(null, true, "0 1"), "--echo-cpus");
        refused(with(null, true, ""), "--echo-cpus");
    }

    @Test
    public void playersAskForBatchesUnlessToldNotTo() {
        assertTrue(LoadTool.parse(new String[] {"--players", "8"}).batch());
        assertEquals(false, LoadTool.parse(new String[] {"--players", "8", "--no-batch"}).batch());
        assertEquals(false, with(null, true, null).withBatch(false).withIdle(3).batch());
    }

    @Test
    public void aBatchIsSplitIntoItsMembersWithoutBeingFooledByBracesInStrings() {
        String one = "{\"type\":\"event\",\"seq\":3,\"v\":7,\"data\":{\"s\":\"a}]{\\\"[\",\"l\":[1,{\"x\":2}]}}";
        String two = "{\"type\":\"state\",\"seq\":4,\"v\":7,\"allowedActions\":[]}";
        assertEquals(java.util.List.of(one, two), GameRun.members(GameRun.BATCH + one + "," + two + "]}"));
        assertEquals(java.util.List.of(one), GameRun.members(GameRun.BATCH + one + "]}"));
        assertEquals(java.util.List.of(), GameRun.members(GameRun.BATCH + "]}"));
        assertEquals("a cut batch gives what came whole", java.util.List.of(one), GameRun.members(GameRun.BATCH + one + ",{\"type\":"));
    }

    @Test
    public void severalNodesAreListedWithCommasAndTheMetricsAreTheFirstOnes() {
        LoadTool.Options two = new LoadTool.Options("ws://127.0.0.1:9123/ws, ws://127.0.0.1:9124/ws", 8, 1, 0, 10, 1, false);
        assertEquals(java.util.List.of(URI.create("ws://127.0.0.1:9123/ws"), URI.create("ws://127.0.0.1:9124/ws")), two.urls());
        assertEquals(URI.create("http://127.0.0.1:9123/metrics"), LoadTool.check(two).uri());
        refused(new LoadTool.Options("ws://127.0.0.1:9123/ws,", 8, 1, 0, 10, 1, false), "--url");
        refused(new LoadTool.Options("http://127.0.0.1:9123/ws", 8, 1, 0, 10, 1, false), "--url");
        refused(new LoadTool.Options("ws://127.0.0.1:9123/ws,127.0.0.1:9124", 8, 1, 0, 10, 1, false), "--url");
    }

    @Test
    public void playersMustFillTables() {
        refused(new LoadTool.Options("ws://127.0.0.1:9123/ws", 6, 1, 0, 10, 1, true), "--players");
    }

    @Test
    public void idleConnectionsAreParsedAndDefaultToNone() {
        assertEquals(0, LoadTool.parse(new String[0]).idle());
        LoadTool.Options o = LoadTool.parse(new String[] {"--idle", "8000", "--players", "400", "--no-echo"});
        assertEquals(8000, o.idle());
        assertEquals(400, o.players());
        assertEquals(false, o.echo());
        assertNull(LoadTool.parse(new String[] {"--idle", "5", "--help"}));
    }

    @Test
    public void aBadIdleValueIsRefusedNamingTheOption() {
        parseRefused("--idle", "--idle", "lots");
        parseRefused("--idle", "--idle", "-1");
        parseRefused("--idle", "--idle", "99999999999");
        parseRefused("--idle", "--idle");
        parseRefused("--players", "--players", "4x");
        parseRefused("unknown option --idel", "--idel", "10");
        refused(with(null, true, null).withIdle(-5), "--idle");
        refused(with(null, true, null).withIdle(LoadTool.MAX_IDLE + 1), "--idle");
        assertEquals(LoadTool.MAX_IDLE, with(null, false, null).withIdle(LoadTool.MAX_IDLE).idle());
        assertNull(LoadTool.check(with(null, false, null).withIdle(200)));
    }

    private static void parseRefused(String start, String... args) {
        try {
            LoadTool.Options o = LoadTool.parse(args);
            fail("accepted " + o);
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith(start));
        }
    }
}
