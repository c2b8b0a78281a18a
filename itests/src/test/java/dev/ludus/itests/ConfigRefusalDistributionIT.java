package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

import org.junit.Test;

/**
 * Bad values in {@code conf/*.cfg} when the distribution starts, as an operator would leave them:
 * each configuration is refused with exactly one log line naming PID, property, value and the
 * allowed range; {@code /ws} and the rooms runtime work; {@code /health} is DEGRADED naming each
 * refusal; fixing or removing the files clears it without a restart.
 */
public class ConfigRefusalDistributionIT {

    static final Map<String, String> BAD = Map.of(
            "dev.ludus.gateway", "maxConnections = banana\n",
            "dev.ludus.rooms", "archiveRetrySeconds = 0\n",
            "dev.ludus.eventstore", "segmentSize = 100\n",
            "dev.ludus.archive", "batchSize = 0\n",
            "dev.ludus.archive.fs", "compressionLevel = 12\n",
            "dev.ludus.health", "detailsForEveryone = banana\n");

    static final Map<String, String> EXPECTED = Map.of(
            "dev.ludus.gateway", "maxConnections = 'banana' (allowed: an integer from 0 to 1000000)",
            "dev.ludus.rooms", "archiveRetrySeconds = '0' (allowed: an integer from 1 to 3600)",
            "dev.ludus.eventstore", "segmentSize = '100' (allowed: an integer from 4096 to 1073741824)",
            "dev.ludus.archive", "batchSize = '0' (allowed: an integer from 1 to 10000)",
            "dev.ludus.archive.fs", "compressionLevel = '12' (allowed: an integer from 1 to 9)",
            "dev.ludus.health", "detailsForEveryone = 'banana' (allowed: true or false)");

    @Test
    public void badConfFilesAtStartAreRefusedWithOneLineEachAndFixingThemClearsHealth() throws Exception {
        try (Distribution d = Distribution.copy()) {
            Path conf = d.home.resolve("conf");
            for (Map.Entry<String, String> e : BAD.entrySet()) {
                write(conf.resolve(e.getKey() + ".cfg"), e.getValue());
            }
            d.start();
            d.awaitGateway(); // every upgrade answered 500 with maxConnections = banana
            Wait.until("every refusal in /health", 20_000, () -> {
                String body = d.healthWithDetails();
                return EXPECTED.values().stream().allMatch(body::contains);
            });
            Http.Response health = Http.get(d.base() + "/health", "admin", d.password());
            assertEquals(200, health.status());
            assertTrue(health.body(), health.body().startsWith("{\"status\":\"DEGRADED\""));
            assertTrue("the rooms runtime is active and reports: " + health.body(), health.body().contains("\"rooms\":{\"status\":"));
            assertTrue("the event store started on its default segment size: " + health.body(),
                    health.body().contains("\"eventstore\":{\"status\":\"UP\""));
            // detailsForEveryone = banana is refused: anonymous callers still see statuses only.
            assertTrue(health.body(), health.body().contains("\"details\""));
            assertTrue(Http.get(d.base() + "/health").body(), !Http.get(d.base() + "/health").body().contains("\"details\""));

            String out = d.output();
            for (Map.Entry<String, String> e : EXPECTED.entrySet()) {
                String line = "configuration " + e.getKey() + " refused (config_refused): " + e.getValue();
                // The event store and the snapshot store read the same PID: still one line.
                assertEquals(e.getKey() + " in:\n" + out, 1, out.lines().filter(l -> l.contains(line)).count());
            }

            write(conf.resolve("dev.ludus.gateway.cfg"), "maxConnections = 500\n");
            write(conf.resolve("dev.ludus.health.cfg"), "detailsForEveryone = false\n");
            for (String pid : new String[] {"dev.ludus.rooms", "dev.ludus.eventstore", "dev.ludus.archive", "dev.ludus.archive.fs"}) {
                Files.delete(conf.resolve(pid + ".cfg"));
            }
            Wait.until("/health UP again", 20_000, () -> {
                String body = d.healthWithDetails();
                return body.contains("\"configuration\":{\"status\":\"UP\"") && !body.contains("config_refused");
            });
            d.awaitGateway();
            assertEquals("nothing refused twice:\n" + d.output(), BAD.size(),
                    d.output().lines().filter(l -> l.contains("(config_refused)")).count());
        }
    }

    private static void write(Path file, String content) throws Exception {
        Path tmp = file.resolveSibling(file.getFileName() + ".part");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
