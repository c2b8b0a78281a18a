package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Test;

/**
 * The distribution with hundreds of bot games in flight is killed with SIGKILL and started again:
 * every game must come back at (or after) its last acknowledged action, with every action applied
 * exactly once, and go on.
 */
public class RoomsCrashIT {

    static final int ROOMS = 200;

    @Test
    public void killDashNineLosesNoAcknowledgedActionAndAppliesNoneTwice() throws Exception {
        try (Distribution d = Distribution.copy()) {
            Path acks = d.home.getParent().resolve("acks.log");
            Path report = d.home.getParent().resolve("report.txt");
            Files.writeString(d.home.resolve("conf/dev.ludus.rooms.cfg"), "botThinkMillis = 20\nsnapshotEvery = 25\n");
            Path cfg = d.deployBotLoad("rooms = " + ROOMS + "\nackLog = " + acks + "\n");

            d.start().awaitHealthy();
            Wait.until("every room acknowledged moves", 60_000,
                    () -> Files.exists(acks) && AckLog.maxAcked(acks).size() == ROOMS && AckLog.lines(acks) > ROOMS * 20L);
            Thread.sleep(1_000); // games in full flight
            d.process().destroyForcibly(); // SIGKILL: no shutdown hook, no final snapshot
            d.process().waitFor(10, TimeUnit.SECONDS);
            Map<String, Long> acked = AckLog.maxAcked(acks);
            long ackedEvents = AckLog.lines(acks);

            Files.writeString(cfg, "rooms = 0\nackLog = " + acks + "\nreport = " + report + "\n");
            d.start().awaitHealthy();
            Wait.until("the recovery report", 90_000, () -> Files.exists(report));
            AckLog.Outcome o = AckLog.check(report, acked, acks);
            String health = d.healthWithDetails();
            Matcher m = Pattern.compile("\"recoveryMillis\":(\\d+)").matcher(health);
            String recovery = m.find() ? m.group(1) + " ms" : "?";
            System.out.println("rooms crash test: " + ackedEvents + " acknowledged events; " + o + ", recovery " + recovery);
            assertEquals(ROOMS, o.rooms());
            assertEquals("rooms missing after restart", 0, o.missing());
            assertEquals("rooms behind their last acknowledged version", 0, o.lost());
            assertEquals("rooms whose engine applied a different number of actions than recorded", 0, o.twice());

            // The games go on after recovery.
            long before = acceptedActions(d);
            Wait.until("games continue", 30_000, () -> acceptedActions(d) > before + 100);
            d.process().destroy();
            assertEquals(d.output(), 0, d.awaitExit(15, TimeUnit.SECONDS));
        }
    }

    private static long acceptedActions(Distribution d) throws Exception {
        Matcher m = Pattern.compile("\"acceptedActions\":(\\d+)").matcher(d.healthWithDetails());
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
