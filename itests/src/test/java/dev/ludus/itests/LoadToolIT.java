package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;

import org.junit.Test;

import dev.ludus.loadtest.LoadTool;

/**
 * A small run of the load tool against the distribution, so the tool keeps working: every game
 * is played to the end over WebSockets, every action's broadcast reaches the room's four players,
 * the echo baseline runs in a process of its own, and the CPU figures of both servers are read.
 * The big run (2,000 players) is the tool's own main. A second run holds idle connections (hello,
 * then silence) through a short play phase and reads what they cost the node.
 */
public class LoadToolIT {

    @Test
    public void simulatedPlayersPlayEveryGameToTheEndAndTheEchoBaselineRuns() throws Exception {
        try (Distribution d = Distribution.copy()) {
            d.start().awaitHealthy();
            d.awaitGateway();
            LoadTool.Options options = new LoadTool.Options("ws://127.0.0.1:" + d.port + "/ws", 48, 1, 0, 120, 2, true);
            LoadTool.Report report = LoadTool.run(options);
            System.out.println(report);
            assertNull(report.toString(), report.failure());
            assertEquals(12, report.completedGames());
            assertEquals(48, report.peakConnections());
            assertTrue(report.toString(), report.actions() >= 12 * 20);
            assertEquals("every action reached all four players of its room", 4 * report.actions(), report.broadcastSamples());
            assertTrue(report.toString(), report.ratioToEcho() > 0);
            // The node's own CPU accounting over the games, from its /metrics, and the echo
            // server process's over its round trips: both read, both positive, in the summary.
            assertTrue(report.toString(), report.serverCpuMicrosPerAction() > 0);
            assertTrue(report.toString(), report.echoCpuMicrosPerRoundTrip() > 0);
            assertTrue(report.toString(), report.toString().matches("(?s).*\\n  server CPU per action: +[0-9.]+ us .*"));
            assertTrue(report.toString(), report.toString().matches("(?s).*\\n  echo CPU per round trip: +[0-9.]+ us .*"));
            // The fan-out pass against the same server: one round per round trip, its CPU read too.
            assertEquals(report.toString(), report.echoRoundTrips(), report.fanOutRounds());
            assertTrue(report.toString(), report.fanOutCpuMicrosPerRound() > 0);
            assertTrue(report.toString(), report.toString().matches("(?s).*\\n  fan-out CPU per round: +[0-9.]+ us .*"));
        }
    }

    @Test
    public void idleConnectionsAreHeldThroughThePlayPhaseAndTheirMemoryIsReported() throws Exception {
        try (Distribution d = Distribution.copy()) {
            // 200 idle and 8 playing, all from 127.0.0.1: above the default of 64 per address
            Files.writeString(d.home.resolve("conf").resolve("dev.ludus.gateway.cfg"), "maxConnectionsPerAddress = 1000\nlimits = off\n");
            d.start().awaitHealthy();
            d.awaitGateway();
            LoadTool.Options options = new LoadTool.Options("ws://127.0.0.1:" + d.port + "/ws", 8, 1, 0, 120, 2, false)
                    .withIdle(200);
            LoadTool.Report report = LoadTool.run(options);
            String s = report.toString();
            System.out.println(s);
            assertNull(s, report.failure());
            assertEquals(2, report.completedGames());
            assertEquals(200, report.idleOpened());
            assertEquals("no idle connection dropped during the play phase", 200, report.idleOpenAtEnd());
            assertTrue(s, s.contains("\n  idle opened:               200 of 200 in "));
            assertTrue(s, s.contains("\n  idle open at the end:      200\n"));
            assertTrue(s, s.contains("\n  idle dropped:              0\n"));
            // the node's own resident memory, read from its /metrics before and after: a figure, not "unknown"
            assertTrue(s, s.matches("(?s).*\\n  server memory per idle: +-?[0-9.]+ KiB resident \\([0-9.]+ MiB before, [0-9.]+ MiB with them open, after 5 s\\)\\n.*"));
            assertTrue(s, s.matches("(?s).*\\n  server heap per idle: +-?[0-9.]+ KiB used .*"));
            assertTrue(s, s.matches("(?s).*\\n  /health while held: +p50 [0-9.]+ ms, p99 [0-9.]+ ms, max [0-9.]+ ms of 40 GETs \\(statuses 200 x40\\)\\n.*"));
            assertTrue(s, s.contains("games played to the end:   2 of 2"));
        }
    }
}
