package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.ludus.api.archive.ArchiveService;
import dev.ludus.api.event.EventStore;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;
import dev.ludus.api.rooms.RoomService;
import dev.ludus.testing.fixtures.ProtocolClient;

/**
 * Every Ludus configuration PID given bad values, in one framework booted like the distribution:
 * the configuration is refused; the component keeps working on its last good values (or its
 * defaults); the health check
 * {@code configuration} is DEGRADED naming the refusal until a valid configuration is saved or the
 * bad one removed. The rooms runtime gets {@code archiveRetrySeconds = 0} in its file at start.
 * (Inside Pax Exam the framework's slf4j has no provider, so the one log line per refusal is
 * checked against the real distribution in {@link ConfigRefusalDistributionIT}.)
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ConfigGuardIT {

    static final String ROOMS_CFG = "dev.ludus.rooms.cfg";

    @Inject
    BundleContext context;

    @Inject
    ConfigurationAdmin configAdmin;

    @Inject
    RoomService rooms;

    @Inject
    ArchiveService archive;

    @Configuration
    public Option[] config() throws Exception {
        return ExamConfig.defaultFeatureSet("config-guard", List.of("archive-jdbc"),
                Map.of(ROOMS_CFG, "archiveRetrySeconds = 0\nbotThinkMillis = 20\n"));
    }

    // ---------------------------------------------------------------- item 12: rooms, bad at start

    @Test
    public void roomsStartedWithArchiveRetryZeroRunAndRecoverWhenTheFileIsRemoved() throws Exception {
        // The rooms runtime is active (the injection above waited for it) and reports itself.
        HealthResult roomsHealth = health("rooms");
        assertNotNull("the rooms check is there", roomsHealth);
        assertTrue(roomsHealth.toString(), roomsHealth.status() != HealthStatus.DOWN);
        assertNotNull(rooms.create("liap-tui", "guarded", Map.of()));
        Wait.until("the refusal is in health", 10_000, () -> refusal("dev.ludus.rooms") != null);
        String r = refusal("dev.ludus.rooms");
        assertTrue(r, r.contains("archiveRetrySeconds = '0' (allowed: an integer from 1 to 3600)"));
        assertEquals(HealthStatus.DEGRADED, health("configuration").status());
        assertTrue(health("configuration").reason().contains("dev.ludus.rooms"));

        Path file = conf().resolve(ROOMS_CFG);
        Files.delete(file);
        Wait.until("removing the file clears the refusal", 10_000, () -> refusal("dev.ludus.rooms") == null);
        assertNotNull(rooms.create("liap-tui", "after", Map.of()));
        assertTrue(health("rooms").status() != HealthStatus.DOWN);

        // Written again while running: refused again, and cleared again.
        write(file, "archiveRetrySeconds = 0\n");
        Wait.until("refused again", 10_000, () -> refusal("dev.ludus.rooms") != null);
        assertNotNull(rooms.create("liap-tui", "while-refused", Map.of()));
        Files.delete(file);
        Wait.until("cleared again", 10_000, () -> refusal("dev.ludus.rooms") == null);
    }

    // ---------------------------------------------------------------- item 11: gateway

    @Test
    public void theGatewayRefusesBananaAndAbsurdLimitsAndKeepsItsLastGoodOnes() throws Exception {
        awaitGateway();
        update("dev.ludus.gateway", Map.of("maxMessageBytes", "1000"));
        Wait.until("the 1000-byte limit applies", 10_000, () -> "too_large".equals(pingWithPadding(1200)));

        update("dev.ludus.gateway", Map.of("maxMessageBytes", "2000", "maxConnections", "banana"));
        Wait.until("refused", 10_000, () -> refusal("dev.ludus.gateway") != null);
        String r = refusal("dev.ludus.gateway");
        assertTrue(r, r.contains("maxConnections = 'banana' (allowed: an integer from 0 to 1000000)"));
        // /ws still upgrades (it answered 500 to every upgrade), on the last good limits: 1000, not 2000.
        assertEquals("too_large", pingWithPadding(1200));
        assertEquals(200, Http.get(base() + "/health").status());
        assertTrue(Http.get(base() + "/health").body().startsWith("{\"status\":\"DEGRADED\""));

        update("dev.ludus.gateway", Map.of("maxMessageBytes", "2000", "maxConnections", "100"));
        Wait.until("a valid configuration clears the refusal", 10_000, () -> refusal("dev.ludus.gateway") == null);
        Wait.until("and applies", 10_000, () -> "ok".equals(pingWithPadding(1200)));

        // The absurd values of the report, all in one save: all named, none applied.
        update("dev.ludus.gateway", Map.of("maxFrameBytes", "-1", "outboundQueueLimit", "0", "tokenTtlSeconds", "-100",
                "idleTimeoutSeconds", "-5", "floodLimit", "-1", "maxMessageBytes", "-1"));
        Wait.until("refused", 10_000, () -> refusal("dev.ludus.gateway") != null);
        r = refusal("dev.ludus.gateway");
        for (String p : List.of("maxFrameBytes = '-1'", "outboundQueueLimit = '0'", "tokenTtlSeconds = '-100'",
                "idleTimeoutSeconds = '-5'", "floodLimit = '-1'", "maxMessageBytes = '-1'")) {
            assertTrue(p + " in " + r, r.contains(p));
        }
        assertEquals("ok", pingWithPadding(1200));
        assertEquals("too_large", pingWithPadding(2500));
        delete("dev.ludus.gateway");
        Wait.until("deleting clears it", 10_000, () -> refusal("dev.ludus.gateway") == null);
    }

    // ---------------------------------------------------------------- the other PIDs

    @Test
    public void theEventStoreKeepsItsSettingsAndBothItsComponentsCauseOneLogLine() throws Exception {
        update("dev.ludus.eventstore", Map.of("segmentSize", "100", "maxPendingAppends", "0"));
        Wait.until("refused", 10_000, () -> refusal("dev.ludus.eventstore") != null);
        String r = refusal("dev.ludus.eventstore");
        assertTrue(r, r.contains("segmentSize = '100' (allowed: an integer from 4096 to 1073741824)"));
        assertTrue(r, r.contains("maxPendingAppends = '0' (allowed: an integer from 1 to 10000000)"));
        // The event store and the snapshot store both read this PID: still one line.
        HealthResult h = health("eventstore");
        assertEquals("the bad values never reached it: " + h, HealthStatus.UP, h.status());
        assertNotNull(context.getServiceReference(EventStore.class));
        delete("dev.ludus.eventstore");
        Wait.until("cleared", 10_000, () -> refusal("dev.ludus.eventstore") == null);
    }

    @Test
    public void theArchiveServiceKeepsItsBackendAndBatchSize() throws Exception {
        update("dev.ludus.archive", Map.of("batchSize", "0", "backend.target", "(ludus.archive.backend=fs"));
        Wait.until("refused", 10_000, () -> refusal("dev.ludus.archive") != null);
        String r = refusal("dev.ludus.archive");
        assertTrue(r, r.contains("batchSize = '0' (allowed: an integer from 1 to 10000)"));
        assertTrue(r, r.contains("backend.target = '(ludus.archive.backend=fs' (allowed: an LDAP filter"));
        HealthResult h = health("archive");
        assertFalse("the archive never saw the bad values: " + h, h.reason().contains("configuration dev.ludus.archive"));
        assertEquals("fs", archive.status().activeBackend().orElseThrow());
        delete("dev.ludus.archive");
        Wait.until("cleared", 10_000, () -> refusal("dev.ludus.archive") == null);
    }

    @Test
    public void aMigrationWithABadBatchSizeRunsWithTheDefaultOneAndSaysWhy() throws Exception {
        update("dev.ludus.archive.migration", Map.of("from", "fs", "to", "jdbc", "batchSize", "0", "run", "1"));
        Wait.until("refused", 10_000, () -> refusal("dev.ludus.archive.migration") != null);
        assertTrue(refusal("dev.ludus.archive.migration"),
                refusal("dev.ludus.archive.migration").contains("batchSize = '0' (allowed: an integer from 1 to 10000)"));
        HealthResult h = awaitHealth("the migration runs", "archive-migration");
        assertFalse("it got a valid batch size: " + h, h.reason().contains("needs from and to"));
        assertEquals(h.toString(), "fs", h.details().get("from"));
        delete("dev.ludus.archive.migration");
        Wait.until("cleared", 10_000, () -> refusal("dev.ludus.archive.migration") == null);
    }

    @Test
    public void theFilesystemArchiveRefusesCompressionLevelTwelve() throws Exception {
        update("dev.ludus.archive.fs", Map.of("compressionLevel", "12"));
        Wait.until("refused", 10_000, () -> refusal("dev.ludus.archive.fs") != null);
        assertTrue(refusal("dev.ludus.archive.fs").contains("compressionLevel = '12' (allowed: an integer from 1 to 9)"));
        HealthResult h = awaitHealth("the backend is back after its restart", "archive-fs");
        assertFalse("the backend never saw 12: " + h, h.reason().contains("compressionLevel"));
        delete("dev.ludus.archive.fs");
        Wait.until("cleared", 10_000, () -> refusal("dev.ludus.archive.fs") == null);
    }

    @Test
    public void thePostgresArchiveRefusesPoolSizeZeroAndStartsWithTheDefault() throws Exception {
        // No database is needed: the backend starts (and reports its database unreachable) either way.
        update("dev.ludus.archive.jdbc", Map.of("url", "jdbc:postgresql://127.0.0.1:1/none", "user", "ludus",
                "schema", "ludus_guard_it", "poolSize", "0", ".password", "s3cret-value"));
        Wait.until("refused", 10_000, () -> refusal("dev.ludus.archive.jdbc") != null);
        assertTrue(refusal("dev.ludus.archive.jdbc"),
                refusal("dev.ludus.archive.jdbc").contains("poolSize = '0' (allowed: an integer from 1 to 100)"));
        HealthResult h = awaitHealth("the backend started", "archive-jdbc");
        assertFalse("it never saw pool size 0: " + h, h.reason().contains("configuration dev.ludus.archive.jdbc"));
        delete("dev.ludus.archive.jdbc");
        Wait.until("cleared", 10_000, () -> refusal("dev.ludus.archive.jdbc") == null);
    }

    @Test
    public void theHealthEndpointRefusesANonBooleanAndKeepsItsLastGoodValue() throws Exception {
        update("dev.ludus.health", Map.of("detailsForEveryone", "true"));
        Wait.until("details for everyone", 10_000, () -> Http.get(base() + "/health").body().contains("\"details\""));
        update("dev.ludus.health", Map.of("detailsForEveryone", "banana"));
        Wait.until("refused", 10_000, () -> refusal("dev.ludus.health") != null);
        assertTrue(refusal("dev.ludus.health").contains("detailsForEveryone = 'banana' (allowed: true or false)"));
        // Read as a boolean, "banana" would have been false: details hidden. The last good value stays.
        assertTrue(Http.get(base() + "/health").body().contains("\"details\""));
        assertTrue(Http.get(base() + "/health").body().contains("dev.ludus.health"));
        update("dev.ludus.health", Map.of("detailsForEveryone", "false"));
        Wait.until("a valid value clears and applies", 10_000,
                () -> refusal("dev.ludus.health") == null && !Http.get(base() + "/health").body().contains("\"details\""));
        delete("dev.ludus.health");
    }

    @Test
    public void aSettingNothingReadsIsNamedWithTheNearestDeclaredOneUntilItIsGone() throws Exception {
        update("dev.ludus.health", Map.of("detailsForEvryone", "true"));
        update("dev.ludus.helth", Map.of("detailsForEveryone", "true"));
        try {
            Wait.until("both named", 10_000, () -> {
                String u = String.valueOf(health("configuration").details().get("unknownSettings"));
                return u.contains("dev.ludus.health: detailsForEvryone (did you mean detailsForEveryone?) is not a setting")
                        && u.contains("dev.ludus.helth: no bundle describes this PID (did you mean dev.ludus.health?)");
            }, () -> "configuration check: " + health("configuration"));
            HealthResult h = health("configuration");
            assertEquals(HealthStatus.DEGRADED, h.status());
            assertTrue(h.reason(), h.reason().contains("config_unknown_setting"));
            assertFalse("neither applied: details stay hidden", Http.get(base() + "/health").body().contains("\"details\""));
        } finally {
            delete("dev.ludus.helth");
            delete("dev.ludus.health");
        }
        Wait.until("no longer named once both are gone", 10_000,
                () -> health("configuration").details().get("unknownSettings") == null);
    }

    @Test
    public void aReferenceTargetMatchingNoServiceIsNamedWithTheValuesThereUntilItMatches() throws Exception {
        org.osgi.service.cm.Configuration rooms = configAdmin.getConfiguration("dev.ludus.rooms", "?");
        Dictionary<String, Object> before = rooms.getProperties();
        // Saved whole, not merged: a setting another test left refused would keep the whole save from the rooms.
        update("dev.ludus.rooms", Map.of("bus.target", "(ludus.bus=nats)", "bsu.target", "(ludus.bus=local)"));
        try {
            Wait.until("a target for no reference named at once", 10_000, () -> String.valueOf(
                    health("configuration").details().get("unmatchedTargets")).contains(
                    "dev.ludus.rooms: bsu.target names no reference of this PID's components (did you mean bus.target?)"),
                    () -> "configuration check: " + health("configuration"));
            Wait.until("named once it has matched nothing for the grace period", 30_000, () -> String.valueOf(
                    health("configuration").details().get("unmatchedTargets")).contains(
                    "dev.ludus.rooms: bus.target (ludus.bus=nats) matches no MessageBus service (there: ludus.bus=local)"),
                    () -> "configuration check: " + health("configuration"));
            HealthResult h = health("configuration");
            assertEquals(HealthStatus.DEGRADED, h.status());
            assertTrue(h.reason(), h.reason().contains("config_target_unmatched"));
            HealthResult r = health("rooms");
            assertEquals("the rooms say what it costs: " + r, HealthStatus.DEGRADED, r.status());
            assertTrue(r.reason(), r.reason().contains("finished games are not announced"));

            // Corrected: valid, so delivered, and nothing is named any more.
            update("dev.ludus.rooms", Map.of("bus.target", "(ludus.bus=local)", "botThinkMillis", "20"));
            Wait.until("no longer named once it matches", 20_000,
                    () -> health("configuration").details().get("unmatchedTargets") == null
                            && health("rooms").status() == HealthStatus.UP,
                    () -> "configuration " + health("configuration") + "; rooms " + health("rooms"));
        } finally {
            if (before == null) {
                delete("dev.ludus.rooms");
            } else {
                Configurations.save(configAdmin, "dev.ludus.rooms", before);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private Path conf() {
        return Path.of(context.getProperty("ludus.itest.conf"));
    }

    private String base() {
        return "http://127.0.0.1:" + context.getProperty("org.osgi.service.http.port");
    }

    private URI ws() {
        return URI.create("ws://127.0.0.1:" + context.getProperty("org.osgi.service.http.port") + "/ws");
    }

    private void awaitGateway() throws Exception {
        ProtocolClient.awaitGateway(ws(), 20_000);
    }

    /** A new connection (so /ws upgrades) sends a ping padded to about {@code bytes}; the reply's type, or its error code. */
    private String pingWithPadding(int bytes) throws Exception {
        try (ProtocolClient c = ProtocolClient.hello(ws(), "pad")) {
            // too_large cannot name the request (it was not read), so any reply to "padded" or any error counts.
            c.sendRaw("{\"id\":\"padded\",\"type\":\"ping\",\"pad\":\"" + "x".repeat(bytes) + "\"}");
            Map<String, Object> reply = c.await("a reply to the padded ping",
                    m -> "padded".equals(m.get("id")) || "error".equals(m.get("type")), 10_000);
            return "error".equals(reply.get("type")) ? String.valueOf(reply.get("code")) : String.valueOf(reply.get("type"));
        }
    }

    private void update(String pid, Map<String, String> values) throws Exception {
        Configurations.save(configAdmin, pid, new Hashtable<>(values));
    }

    private void delete(String pid) throws Exception {
        configAdmin.getConfiguration(pid, "?").delete();
    }

    private static void write(Path file, String content) throws Exception {
        Path tmp = file.resolveSibling(file.getFileName() + ".part");
        Files.writeString(tmp, content);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** The refusal the health check {@code configuration} reports for {@code pid}, or null. */
    private String refusal(String pid) throws Exception {
        HealthResult h = health("configuration");
        Object r = h == null ? null : h.details().get(pid);
        return r == null ? null : r.toString();
    }

    private HealthResult health(String name) throws Exception {
        return HealthChecks.find(context, name);
    }

    /**
     * The first result the health check {@code name} gives, waited for: the check seen, not asked
     * again (a backend restarted for its new settings can be gone again between two asks).
     */
    private HealthResult awaitHealth(String what, String name) throws Exception {
        java.util.concurrent.atomic.AtomicReference<HealthResult> seen = new java.util.concurrent.atomic.AtomicReference<>();
        Wait.until(what, 10_000, () -> {
            seen.set(health(name));
            return seen.get() != null;
        });
        return seen.get();
    }

}
