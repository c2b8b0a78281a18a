package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

import dev.ludus.loadtest.LoadTool;

/**
 * A small run of the load tool against the distribution, so the tool keeps working: every game
 * is played to the end over WebSockets, every action's broadcast reaches the room's four players,
 * the echo baseline runs in a process of its own, and the CPU figures of both servers are read.
 * The big run (2,000 players) is the tool's own main.
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
        }
    }
}
