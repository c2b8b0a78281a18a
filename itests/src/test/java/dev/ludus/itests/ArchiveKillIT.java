package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.ClassRule;
import org.junit.Test;

import dev.ludus.testing.services.PostgresRule;
import dev.ludus.testing.services.PostgresDatabase;

/**
 * The distribution as an operator runs it, with the {@code archive-jdbc} feature and the example
 * load generator in {@code deploy/} completing games continuously: the backend is switched by
 * editing {@code conf/dev.ludus.archive.cfg}, games pile up in the queue, and the JVM is killed
 * with SIGKILL. After a restart every game the archive acknowledged before the kill, and after,
 * must be archived exactly once and unchanged. The load generator's ledger is the record of what
 * was acknowledged; its ledger check compares the archive with it.
 */
public class ArchiveKillIT {

    @ClassRule
    public static final PostgresRule PG = new PostgresRule();

    private static final String FEATURES = "framework, http, webconsole, ludus-core, games, archive-jdbc";

    @Test
    public void killedWithSigkillMidRunAndRestartedNothingAcknowledgedIsLostOrDuplicated() throws Exception {
        Path loadgen = loadgenJar();
        String schema = "ludus_it_kill_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        try (Distribution d = Distribution.copy()) {
            d.env.put("LUDUS_FEATURES", FEATURES);
            Path conf = d.home.resolve("conf");
            PostgresDatabase db = PG.database();
            write(conf.resolve("dev.ludus.archive.jdbc.cfg"), ArchiveFixtures.jdbcConfig(db.jdbcUrl(), db.user(), db.password(), schema));
            target(d, "jdbc");
            write(conf.resolve("dev.ludus.example.archive.loadgen.cfg"), "gamesPerSecond = 300\nthreads = 4\nrecordBytes = 3000\n");
            Files.copy(loadgen, d.home.resolve("deploy/archive-loadgen.jar.part"));
            Files.move(d.home.resolve("deploy/archive-loadgen.jar.part"), d.home.resolve("deploy/archive-loadgen.jar"),
                    StandardCopyOption.ATOMIC_MOVE);

            d.start().awaitHealthy();
            awaitLedger(d, 500);
            target(d, "fs");
            awaitActive(d, "fs");
            awaitLedger(d, 1000);
            // Hold games back (no backend matches) so the kill finds a full queue.
            target(d, "none");
            awaitActive(d, "none");
            Wait.until("games waiting in the queue", 15_000, () -> number(health(d), "archive", "queueDepth") >= 300);
            long depthAtKill = number(health(d), "archive", "queueDepth");
            d.process().destroyForcibly(); // SIGKILL: no shutdown hook, no orderly stop
            assertTrue("killed", d.process().waitFor(10, TimeUnit.SECONDS));
            int killCode = d.process().exitValue();
            long acknowledgedBeforeKill = ledgerLines(d);
            Files.copy(d.log, d.home.resolve("ludus-before-kill.log"));

            target(d, "jdbc");
            d.start().awaitHealthy();
            Pattern recovery = Pattern.compile("archive queue: (\\d+) game\\(s\\) waiting from before the last stop");
            Wait.until("the queue finds its games after the kill", 20_000, () -> recovery.matcher(d.output()).find());
            Matcher recovered = recovery.matcher(d.output());
            assertTrue(recovered.find());
            awaitLedger(d, acknowledgedBeforeKill + 500);
            target(d, "fs");
            awaitActive(d, "fs");
            awaitLedger(d, acknowledgedBeforeKill + 1000);
            write(conf.resolve("dev.ludus.example.archive.loadgen.cfg"), "enabled = false\nthreads = 4\n");
            Wait.until("load generator idle", 10_000, () -> {
                long before = ledgerLines(d);
                Thread.sleep(700);
                return ledgerLines(d) == before;
            });
            long acknowledged = ledgerLines(d);
            Wait.until("queue drained", 30_000, () -> number(health(d), "archive", "queueDepth") == 0);

            write(conf.resolve("dev.ludus.example.archive.ledgercheck.cfg"), "run = 1\n");
            Wait.until("ledger check done", 60_000, () -> health(d).contains("\"archive-ledger-check\":{\"status\":\"UP\",\"details\":{")
                    && health(d).matches("(?s).*\"archive-ledger-check\":\\{[^}]*\"state\":\"DONE\".*"));
            String h = health(d);
            long completed = number(h, "archive-ledger-check", "completed");
            long archived = number(h, "archive-ledger-check", "archived");
            long lost = number(h, "archive-ledger-check", "lost");
            long duplicated = number(h, "archive-ledger-check", "duplicated");
            long mismatched = number(h, "archive-ledger-check", "mismatched");
            long stillQueued = number(h, "archive-ledger-check", "stillQueued");
            long errors = number(h, "archive-ledger-check", "errors");

            d.process().destroy();
            assertEquals(d.output(), 0, d.awaitExit(15, TimeUnit.SECONDS));
            System.out.println("ARCHIVE KILL TEST: completed=" + completed + " archived=" + archived + " lost=" + lost
                    + " duplicated=" + duplicated + " mismatched=" + mismatched + " (acknowledged before SIGKILL "
                    + acknowledgedBeforeKill + ", queue depth at the kill " + depthAtKill + ", recovered from the queue on restart "
                    + recovered.group(1) + ", exit code of the killed JVM " + killCode + ")");
            assertEquals(137, killCode);
            assertEquals(acknowledged, completed);
            assertTrue(completed > acknowledgedBeforeKill);
            assertEquals(0, lost);
            assertEquals(0, duplicated);
            assertEquals(0, mismatched);
            assertEquals(0, stillQueued);
            assertEquals(0, errors);
            assertEquals(completed, archived);
            assertTrue("the restart recovered the games the kill left in the queue",
                    Long.parseLong(recovered.group(1)) >= depthAtKill);
        }
    }

    private static Path loadgenJar() {
        Path jar = Path.of(System.getProperty("ludus.loadgen.jar"));
        assertTrue("build examples/archive-loadgen first: " + jar, Files.isRegularFile(jar));
        return jar;
    }

    private static void write(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".part");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void target(Distribution d, String backend) throws IOException {
        write(d.home.resolve("conf/dev.ludus.archive.cfg"),
                "backend.target = (ludus.archive.backend=" + backend + ")\nretryMaxMillis = 1000\n");
    }

    private static void awaitActive(Distribution d, String backend) throws Exception {
        String expected = backend.equals("none") ? "\"activeBackend\":\"none\"" : "\"activeBackend\":\"" + backend + "\"";
        Wait.until("archive writes to " + backend, 15_000, () -> health(d).contains(expected));
    }

    private static String health(Distribution d) throws Exception {
        return d.healthWithDetails();
    }

    /** A number in the details of one component of a /health answer. */
    static long number(String health, String component, String key) {
        int at = health.indexOf("\"" + component + "\":{");
        if (at < 0) {
            throw new AssertionError("no " + component + " in " + health);
        }
        Matcher m = Pattern.compile("\"" + key + "\":(\\d+)").matcher(health.substring(at, health.indexOf("}}", at) + 2));
        if (!m.find()) {
            throw new AssertionError("no " + key + " for " + component + " in " + health);
        }
        return Long.parseLong(m.group(1));
    }

    /** Complete lines in every ledger of the load generator: games the archive acknowledged. */
    private static long ledgerLines(Distribution d) throws IOException {
        Path dir = d.data.resolve("archive-loadgen");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        long n = 0;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path ledger : (Iterable<Path>) s::iterator) {
                byte[] b = Files.readAllBytes(ledger);
                for (byte c : b) {
                    if (c == '\n') {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    private static void awaitLedger(Distribution d, long lines) throws Exception {
        Wait.until(lines + " games acknowledged (so far " + ledgerLines(d) + ")", 30_000, () -> ledgerLines(d) >= lines);
    }
}
