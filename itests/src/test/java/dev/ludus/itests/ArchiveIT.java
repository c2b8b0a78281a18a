package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.ludus.api.archive.ArchiveBackend;
import dev.ludus.api.archive.ArchiveException;
import dev.ludus.api.archive.ArchiveService;
import dev.ludus.api.archive.CompletedGame;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;
import dev.ludus.testing.services.Service;
import dev.ludus.testing.services.WithServices;

/**
 * The archive in a real Felix with the default features plus {@code archive-jdbc}, against
 * PostgreSQL (testing/services: the local server, else an embedded one; a database of its own):
 * live backend switches while games complete, a database outage, the migration command,
 * retention, and the queue holding games while no backend matches. Each test counts its own
 * games (by id prefix) and prints completed / archived / lost / duplicated.
 */
@RunWith(WithServices.class)
@WithServices.Needs(value = Service.POSTGRESQL, runner = PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ArchiveIT {

    static final String ARCHIVE_PID = "dev.ludus.archive";
    static final String MIGRATION_PID = "dev.ludus.archive.migration";
    static final String FS = "(ludus.archive.backend=fs)";
    static final String JDBC = "(ludus.archive.backend=jdbc)";

    @Inject
    BundleContext context;

    @Inject
    ConfigurationAdmin configAdmin;

    @Inject
    ArchiveService archive;

    @Configuration
    public Option[] config() throws Exception {
        String schema = "ludus_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Map<String, String> conf = Map.of(
                "dev.ludus.archive.jdbc.cfg", ExamPostgres.archiveJdbcConfig(ArchiveIT.class, schema),
                ARCHIVE_PID + ".cfg", "backend.target = " + FS + "\nretryMaxMillis = 1000\n");
        return ExamConfig.defaultFeatureSet("archive", List.of("archive-jdbc"), conf,
                frameworkProperty("ludus.itest.schema").value(schema));
    }

    // ---------------------------------------------------------------- the tests

    @Test
    public void switchingBackendsWhileGamesCompleteLosesNothingAndDuplicatesNothing() throws Exception {
        awaitBackendsReady();
        setTarget(FS, How.CONFIG_ADMIN);
        Object serviceId = archiveServiceId();
        long archivedBefore = archive.status().archivedTotal();
        List<String> switches = new ArrayList<>();
        Producer p;
        try (ArchiveFixtures.Producer producer = new ArchiveFixtures.Producer(archive, "sw", 4, 300)) {
            Thread.sleep(1500);
            // fs -> jdbc -> fs -> jdbc -> fs -> jdbc -> fs, through each way an operator has
            Object[][] plan = {
                {JDBC, How.CONFIG_ADMIN}, {FS, How.CFG_FILE}, {JDBC, How.WEB_CONSOLE},
                {FS, How.CONFIG_ADMIN}, {JDBC, How.CFG_FILE}, {FS, How.WEB_CONSOLE}};
            for (Object[] step : plan) {
                String target = (String) step[0];
                String name = target.equals(FS) ? "fs" : "jdbc";
                long before = count(name, "sw-");
                long t0 = System.nanoTime();
                setTarget(target, (How) step[1]);
                Wait.until("archive writes to " + name, 10_000, () -> archive.status().activeBackend().equals(Optional.of(name)));
                long applied = ArchiveFixtures.since(t0).toMillis();
                Wait.until("new games arrive on " + name, 10_000, () -> count(name, "sw-") > before + 100);
                switches.add(name + " via " + step[1] + " in " + applied + " ms");
                Thread.sleep(1200);
            }
            Thread.sleep(500);
            p = new Producer(producer);
        }
        Wait.until("queue drained", 30_000, () -> archive.status().queueDepth() == 0);
        assertEquals("the archive service was not restarted", serviceId, archiveServiceId());
        assertTrue("its counters were not reset", archive.status().archivedTotal() >= archivedBefore + p.completed.size());

        Counts c = verify("sw-", p.completed);
        System.out.println("ARCHIVE SWITCH TEST: " + c + "; " + switches.size() + " switches (" + String.join(", ", switches)
                + "); submits refused and retried: " + p.refused);
        c.assertPerfect(p.completed.size());
        assertTrue("both backends received games: " + c, c.inFs > 0 && c.inJdbc > 0);
    }

    @Test
    public void postgresStoppedMidRunQueueHoldsHealthSaysWhyAndItDrainsByItself() throws Exception {
        awaitBackendsReady();
        setTarget(JDBC, How.CONFIG_ADMIN);
        Wait.until("jdbc active", 10_000, () -> archive.status().activeBackend().equals(Optional.of("jdbc")));
        long failuresBefore = archive.status().failuresTotal();
        long maxDepth = 0;
        String degradedReason;
        String jdbcReason;
        Producer p;
        try (ArchiveFixtures.Producer producer = new ArchiveFixtures.Producer(archive, "out", 4, 200)) {
            Thread.sleep(1500);
            try {
                ArchiveFixtures.postgres("stop");
                Wait.until("archive health DEGRADED", 15_000, () -> health("archive").status() == HealthStatus.DEGRADED);
                degradedReason = health("archive").reason();
                Wait.until("archive-jdbc health DEGRADED", 15_000, () -> health("archive-jdbc").status() == HealthStatus.DEGRADED);
                jdbcReason = health("archive-jdbc").reason();
                Wait.until("games pile up in the queue", 15_000, () -> archive.status().queueDepth() >= 300);
                maxDepth = archive.status().queueDepth();
                // Games waiting in the queue are still found, identical.
                String waiting = producer.lastSubmitted();
                CompletedGame found = archive.find(waiting).orElseThrow();
                assertTrue(ArchiveFixtures.identical(producer.completed.get(waiting), found));
                assertTrue("/health names the reason",
                        Http.get(base() + "/health").body().contains("\"archive\":{\"status\":\"DEGRADED\""));
                maxDepth = Math.max(maxDepth, archive.status().queueDepth());
            } finally {
                ArchiveFixtures.postgres("start");
            }
            Wait.until("drains by itself once PostgreSQL is back", 30_000, () -> archive.status().queueDepth() < 50
                    && health("archive").status() == HealthStatus.UP);
            Thread.sleep(1000); // games keep completing after the outage
            p = new Producer(producer);
        }
        Wait.until("queue drained", 30_000, () -> archive.status().queueDepth() == 0);
        Wait.until("archive-jdbc health UP again", 10_000, () -> health("archive-jdbc").status() == HealthStatus.UP);
        assertTrue(degradedReason, degradedReason.contains("archive backend failing") && degradedReason.contains("jdbc"));
        assertTrue(degradedReason, degradedReason.contains("game(s) waiting in the queue"));
        assertTrue(jdbcReason, jdbcReason.contains("database unavailable"));
        assertTrue(archive.status().failuresTotal() > failuresBefore);

        Counts c = verify("out-", p.completed);
        System.out.println("ARCHIVE OUTAGE TEST: " + c + "; queue depth during the outage up to " + maxDepth
                + "; failed attempts " + (archive.status().failuresTotal() - failuresBefore) + "; reason shown: " + degradedReason);
        c.assertPerfect(p.completed.size());
        assertEquals("all on jdbc", p.completed.size(), c.inJdbc);
    }

    @Test
    public void migrationCommandCopiesEveryGameResumablyAndIdempotently() throws Exception {
        awaitBackendsReady();
        setTarget(FS, How.CONFIG_ADMIN);
        Wait.until("fs active", 10_000, () -> archive.status().activeBackend().equals(Optional.of("fs")));
        Map<String, CompletedGame> games = new LinkedHashMap<>();
        for (int i = 0; i < 400; i++) {
            CompletedGame g = ArchiveFixtures.game("mg-" + i, Instant.now().minusSeconds(i));
            archive.submit(g);
            games.put(g.gameId(), g);
        }
        Wait.until("archived on fs", 20_000, () -> archive.status().queueDepth() == 0 && count("fs", "mg-") == 400);
        assertEquals(0, count("jdbc", "mg-"));

        // First run, slowed down, stopped part way by deleting the configuration.
        migrationConfig(Map.of("from", "fs", "to", "jdbc", "batchSize", "20", "pauseMillis", "100", "run", "1"));
        Wait.until("first run copying", 15_000, () -> longDetail("archive-migration", "copied") >= 60);
        configAdmin.getConfiguration(MIGRATION_PID, "?").delete();
        Wait.until("migration stopped", 10_000, () -> healthOrNull("archive-migration") == null);
        Set<String> fsIds = ids("fs", "");
        long fsTotal = fsIds.size();
        long partial = intersection(fsIds, ids("jdbc", ""));
        assertTrue("stopped part way: " + partial + " of " + fsTotal, partial >= 60 && partial < fsTotal);

        // Second run: continues with what is missing.
        migrationConfig(Map.of("from", "fs", "to", "jdbc", "batchSize", "200", "pauseMillis", "0", "run", "2"));
        Wait.until("second run done", 30_000, () -> "DONE".equals(detail("archive-migration", "state")));
        long already = longDetail("archive-migration", "alreadyInTarget");
        long copied = longDetail("archive-migration", "copied");
        assertTrue("resumed: " + already + " already there, " + partial + " copied before", already >= partial);
        assertEquals(fsTotal, already + copied);
        ArchiveBackend jdbc = backend("jdbc");
        for (CompletedGame g : games.values()) {
            assertTrue(g.gameId(), ArchiveFixtures.identical(g, jdbc.load(g.gameId()).orElseThrow()));
        }
        assertEquals("every fs game is in jdbc", fsTotal, intersection(fsIds, ids("jdbc", "")));

        // Third run: nothing left to copy.
        migrationConfig(Map.of("from", "fs", "to", "jdbc", "batchSize", "200", "pauseMillis", "0", "run", "3"));
        Wait.until("third run done, copying nothing", 30_000, () -> "DONE".equals(detail("archive-migration", "state"))
                && longDetail("archive-migration", "copied") == 0 && longDetail("archive-migration", "alreadyInTarget") == fsTotal);
        configAdmin.getConfiguration(MIGRATION_PID, "?").delete();
        System.out.println("ARCHIVE MIGRATION TEST: fs -> jdbc, " + fsTotal + " games; first run stopped after " + partial
                + ", second run found " + already + " and copied " + copied + ", third run copied 0");
    }

    @Test
    public void withNoMatchingBackendGamesWaitInTheQueueAndHealthSaysWhy() throws Exception {
        awaitBackendsReady();
        // A malformed filter is refused before it reaches the archive (which keeps its backend),
        // and health names it.
        setTarget("(ludus.archive.backend=jdbc", How.CONFIG_ADMIN);
        Wait.until("health names the bad filter", 10_000,
                () -> health("configuration").reason().contains("backend.target = '(ludus.archive.backend=jdbc'"));
        setTarget("(ludus.archive.backend=tape)", How.CONFIG_ADMIN);
        // The rebind goes through ConfigAdmin's and Declarative Services' own threads; on a busy
        // CI run it once took longer than 10 s.
        Wait.until("no backend bound", 30_000, () -> archive.status().activeBackend().isEmpty(),
                () -> archive.status() + "; health " + health("archive").reason());
        List<CompletedGame> games = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            games.add(ArchiveFixtures.game("nb-" + i, Instant.now()));
            archive.submit(games.get(i));
        }
        Thread.sleep(500);
        assertTrue(archive.status().queueDepth() >= 20);
        HealthResult h = health("archive");
        assertEquals(HealthStatus.DEGRADED, h.status());
        assertTrue(h.reason(), h.reason().contains("no archive backend matches (ludus.archive.backend=tape)"));
        for (CompletedGame g : games) {
            assertTrue("found in the queue", ArchiveFixtures.identical(g, archive.find(g.gameId()).orElseThrow()));
        }
        setTarget(FS, How.CONFIG_ADMIN);
        Wait.until("drained to fs", 10_000, () -> archive.status().queueDepth() == 0 && count("fs", "nb-") == 20);
        Wait.until("health UP", 10_000, () -> health("archive").status() == HealthStatus.UP);
    }

    @Test
    public void badGamesAreRefusedWithAStableCodeAndChangeNothing() throws Exception {
        awaitBackendsReady();
        long depth = archive.status().queueDepth();
        Instant now = Instant.now();
        CompletedGame[] bad = {
            new CompletedGame(" ", "liaptui", now, now, List.of("a"), new byte[10]),
            new CompletedGame("bad-1", "liaptui", now, now.minusSeconds(1), List.of("a"), new byte[10]),
            new CompletedGame("bad-2", "liaptui", now, now, List.of("a"), new byte[9 << 20])};
        for (CompletedGame g : bad) {
            try {
                archive.submit(g);
                fail("accepted " + g.gameId());
            } catch (ArchiveException e) {
                assertEquals("invalid_game", e.code());
            }
        }
        assertEquals(depth, archive.status().queueDepth());
        assertFalse(archive.find("bad-1").isPresent());
    }

    @Test
    public void retentionDeletesOldGamesFromEveryBackend() throws Exception {
        awaitBackendsReady();
        Instant old = Instant.now().minus(Duration.ofDays(10));
        List<String> oldIds = new ArrayList<>();
        List<String> newIds = new ArrayList<>();
        for (String target : List.of(FS, JDBC)) {
            setTarget(target, How.CONFIG_ADMIN);
            String name = target.equals(FS) ? "fs" : "jdbc";
            Wait.until(name + " active", 10_000, () -> archive.status().activeBackend().equals(Optional.of(name)));
            for (int i = 0; i < 5; i++) {
                archive.submit(ArchiveFixtures.game("rt-old-" + name + "-" + i, old.plusSeconds(i)));
                archive.submit(ArchiveFixtures.game("rt-new-" + name + "-" + i, Instant.now()));
                oldIds.add("rt-old-" + name + "-" + i);
                newIds.add("rt-new-" + name + "-" + i);
            }
            Wait.until("archived on " + name, 10_000, () -> archive.status().queueDepth() == 0 && count(name, "rt-") == 10);
        }
        for (String id : oldIds) {
            assertTrue(id, archive.find(id).isPresent()); // now in the archive's cache too
        }
        archiveConfig(Map.of("retentionDays", 3));
        try {
            Wait.until("old games deleted", 15_000, () -> count("fs", "rt-old-") + count("jdbc", "rt-old-") == 0);
            // The retention pass empties the cache once it has deleted: no deleted game is served from it.
            for (String id : oldIds) {
                Wait.until(id + " no longer found", 5_000, () -> archive.find(id).isEmpty());
            }
            for (String id : newIds) {
                assertTrue(id, archive.find(id).isPresent());
            }
            assertTrue(longDetail("archive", "retentionDeletedTotal") >= 10);

            // A game past retention that reaches a backend after the pass (written by another node,
            // restored from a backup) stays there until the next pass, an hour later, but is not
            // served, by a lookup or a query, from the backend or any cache.
            archive.submit(ArchiveFixtures.game("rt-late-old", old));
            archive.submit(ArchiveFixtures.game("rt-late-new", Instant.now()));
            Wait.until("archived on jdbc", 10_000, () -> archive.status().queueDepth() == 0 && count("jdbc", "rt-late-") == 2);
            for (int i = 0; i < 2; i++) { // the second time from the cache, where it is kept
                assertTrue(archive.find("rt-late-new").isPresent());
                assertTrue("a game past retention is not served", archive.find("rt-late-old").isEmpty());
            }
            List<String> listed = archive.query(new dev.ludus.api.archive.ArchiveQuery(old.minusSeconds(60),
                    Instant.now().plusSeconds(60), Optional.empty(), 10_000)).stream().map(CompletedGame::gameId).toList();
            assertTrue(listed.toString(), listed.contains("rt-late-new") && !listed.contains("rt-late-old"));
            assertEquals("still in the backend until the next pass", 2, count("jdbc", "rt-late-"));
        } finally {
            archiveConfig(Map.of("retentionDays", 0));
        }
    }

    // ---------------------------------------------------------------- verification

    /** The test's own games, how they came out. */
    static final class Counts {
        long completed;
        long archived;
        long lost;
        long duplicated;
        long mismatched;
        long inFs;
        long inJdbc;
        long unexpected;

        void assertPerfect(int expected) {
            assertEquals(toString(), expected, completed);
            assertEquals(toString(), 0, lost);
            assertEquals(toString(), 0, duplicated);
            assertEquals(toString(), 0, mismatched);
            assertEquals(toString(), completed, archived);
        }

        @Override
        public String toString() {
            return "completed=" + completed + " archived=" + archived + " lost=" + lost + " duplicated=" + duplicated
                    + " mismatched=" + mismatched + " (fs " + inFs + ", jdbc " + inJdbc + ", archived but never acknowledged "
                    + unexpected + ")";
        }
    }

    /** A finished producer's results. */
    static final class Producer {
        final Map<String, CompletedGame> completed;
        final long refused;

        Producer(ArchiveFixtures.Producer p) throws InterruptedException {
            p.close();
            completed = Map.copyOf(p.completed);
            refused = p.refused.get();
        }
    }

    /**
     * Every completed game must be found through the archive service, identical to what was
     * submitted, and held by exactly one backend.
     */
    private Counts verify(String prefix, Map<String, CompletedGame> completed) throws Exception {
        Set<String> fs = ids("fs", prefix);
        Set<String> jdbc = ids("jdbc", prefix);
        Counts c = new Counts();
        c.completed = completed.size();
        for (CompletedGame g : completed.values()) {
            Optional<CompletedGame> found = archive.find(g.gameId());
            if (found.isEmpty()) {
                c.lost++;
            } else if (!ArchiveFixtures.identical(g, found.get())) {
                c.mismatched++;
            }
            boolean a = fs.contains(g.gameId());
            boolean b = jdbc.contains(g.gameId());
            if (a || b) {
                c.archived++;
            }
            if (a && b) {
                c.duplicated++;
            }
        }
        c.inFs = fs.size();
        c.inJdbc = jdbc.size();
        Set<String> all = new HashSet<>(fs);
        all.addAll(jdbc);
        all.removeAll(completed.keySet());
        c.unexpected = all.size();
        return c;
    }

    // ---------------------------------------------------------------- switching

    enum How { CONFIG_ADMIN, CFG_FILE, WEB_CONSOLE }

    private void setTarget(String target, How how) throws Exception {
        switch (how) {
            case CONFIG_ADMIN -> archiveConfig(Map.of("backend.target", target));
            case CFG_FILE -> {
                Map<String, Object> props = currentArchiveProperties();
                props.put("backend.target", target);
                StringBuilder cfg = new StringBuilder();
                props.forEach((k, v) -> cfg.append(k).append(" = ").append(v).append('\n'));
                Path file = Path.of(context.getProperty("ludus.itest.conf")).resolve(ARCHIVE_PID + ".cfg");
                Path tmp = file.resolveSibling(ARCHIVE_PID + ".cfg.part");
                Files.writeString(tmp, cfg.toString());
                Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            case WEB_CONSOLE -> {
                // The Configuration page's form post: every property listed, the changed one new.
                Map<String, Object> props = currentArchiveProperties();
                props.put("backend.target", target);
                StringBuilder form = new StringBuilder("apply=true&action=ajaxConfigManager&propertylist=")
                        .append(enc(String.join(",", props.keySet())));
                props.forEach((k, v) -> form.append('&').append(enc(k)).append('=').append(enc(String.valueOf(v))));
                String auth = Base64.getEncoder().encodeToString(("admin:" + context.getProperty("ludus.itest.password"))
                        .getBytes(StandardCharsets.UTF_8));
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create(base() + "/system/console/configMgr/" + ARCHIVE_PID))
                        .header("Authorization", "Basic " + auth)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form.toString())).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertTrue("Web Console answered " + r.statusCode() + ": " + r.body(), r.statusCode() < 400);
            }
            default -> throw new IllegalArgumentException(String.valueOf(how));
        }
        Wait.until("configuration shows " + target, 10_000,
                () -> target.equals(currentArchiveProperties().get("backend.target")));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private Map<String, Object> currentArchiveProperties() throws Exception {
        Dictionary<String, Object> d = configAdmin.getConfiguration(ARCHIVE_PID, "?").getProperties();
        Map<String, Object> out = new LinkedHashMap<>();
        if (d != null) {
            for (String k : Collections.list(d.keys())) {
                if (!k.equals(Constants.SERVICE_PID) && !k.startsWith("felix.fileinstall.")) {
                    out.put(k, d.get(k));
                }
            }
        }
        return out;
    }

    private void archiveConfig(Map<String, Object> changes) throws Exception {
        Configurations.merge(configAdmin, ARCHIVE_PID, changes);
    }

    private void migrationConfig(Map<String, Object> values) throws Exception {
        org.osgi.service.cm.Configuration c = configAdmin.getConfiguration(MIGRATION_PID, "?");
        c.update(new Hashtable<>(values));
    }

    // ---------------------------------------------------------------- looking around

    private String base() {
        return "http://127.0.0.1:" + context.getProperty("org.osgi.service.http.port");
    }

    private Object archiveServiceId() {
        return context.getServiceReference(ArchiveService.class).getProperty(Constants.SERVICE_ID);
    }

    private void awaitBackendsReady() throws Exception {
        Wait.until("fs and jdbc backends registered", 20_000, () -> backendOrNull("fs") != null && backendOrNull("jdbc") != null);
        Wait.until("PostgreSQL reachable (archive-jdbc health UP)", 20_000,
                () -> health("archive-jdbc").status() == HealthStatus.UP);
    }

    private ArchiveBackend backendOrNull(String name) throws Exception {
        for (ServiceReference<ArchiveBackend> r : context.getServiceReferences(ArchiveBackend.class,
                "(" + ArchiveBackend.NAME_PROPERTY + "=" + name + ")")) {
            return context.getService(r);
        }
        return null;
    }

    private ArchiveBackend backend(String name) throws Exception {
        ArchiveBackend b = backendOrNull(name);
        if (b == null) {
            throw new AssertionError("no " + name + " backend");
        }
        return b;
    }

    private Set<String> ids(String backend, String prefix) throws Exception {
        Set<String> out = Collections.synchronizedSet(new HashSet<>());
        backend(backend).forEachId(id -> {
            if (id.startsWith(prefix)) {
                out.add(id);
            }
        });
        return out;
    }

    private long count(String backend, String prefix) throws Exception {
        return ids(backend, prefix).size();
    }

    private static long intersection(Set<String> a, Set<String> b) {
        return a.stream().filter(b::contains).count();
    }

    private HealthResult healthOrNull(String name) throws Exception {
        return HealthChecks.find(context, name);
    }

    private HealthResult health(String name) throws Exception {
        return HealthChecks.require(context, name);
    }

    private Object detail(String check, String key) throws Exception {
        HealthResult h = healthOrNull(check);
        return h == null ? null : h.details().get(key);
    }

    private long longDetail(String check, String key) throws Exception {
        Object v = detail(check, key);
        return v instanceof Number n ? n.longValue() : -1;
    }
}
