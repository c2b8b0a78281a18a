package dev.ludus.example.archive.loadgen;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.archive.ArchiveBackend;
import dev.ludus.api.archive.ArchiveException;
import dev.ludus.api.archive.ArchiveService;
import dev.ludus.api.archive.CompletedGame;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;

/**
 * Checks the archive against the load generator's ledgers: saving configuration {@value #PID}
 * reads every {@code $LUDUS_DATA/archive-loadgen/*.ledger} and, for each game the archive
 * acknowledged, looks it up through {@link ArchiveService#find} (queue, active backend, the
 * others) and compares its SHA-256, and asks every installed backend whether it holds it. The
 * counts appear in the health check {@code archive-ledger-check}: completed, archived (in at least
 * one backend), stillQueued, lost, duplicated (in more than one backend), mismatched.
 */
@Component(service = HealthCheck.class, configurationPid = LedgerCheck.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = LedgerCheck.Config.class)
public class LedgerCheck implements HealthCheck {

    static final String PID = "dev.ludus.example.archive.ledgercheck";

    private static final Logger LOG = LoggerFactory.getLogger(LedgerCheck.class);

    @ObjectClassDefinition(name = "Ludus example: archive ledger check",
            description = "Saving this checks every game in the load generator's ledgers against the archive.")
    public @interface Config {
        @AttributeDefinition(name = "Run", description = "Any text; change it to check again.")
        String run() default "1";
    }

    @Reference
    private ArchiveService archive;

    private final List<ArchiveBackend> backends = new CopyOnWriteArrayList<>();
    private volatile Map<String, Object> result = Map.of("state", "RUNNING");
    private volatile boolean stopped;
    private Thread thread;

    @Reference(service = ArchiveBackend.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addBackend(ArchiveBackend b) {
        backends.add(b);
    }

    void removeBackend(ArchiveBackend b) {
        backends.remove(b);
    }

    @Activate
    void activate(BundleContext context) {
        String data = context.getProperty("ludus.data");
        Path dir = data == null ? context.getDataFile("ledger").toPath() : Path.of(data, "archive-loadgen");
        thread = new Thread(() -> check(dir), "ludus-archive-ledger-check");
        thread.setDaemon(true);
        thread.start();
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        stopped = true;
        thread.join(10_000);
    }

    private void check(Path dir) {
        long completed = 0;
        long archived = 0;
        long queued = 0;
        long lost = 0;
        long duplicated = 0;
        long mismatched = 0;
        long errors = 0;
        try (DirectoryStream<Path> ledgers = Files.newDirectoryStream(dir, "*.ledger")) {
            for (Path ledger : ledgers) {
                String text = Files.readString(ledger, StandardCharsets.UTF_8);
                int end = text.lastIndexOf('\n'); // a line cut by a crash has no newline: ignore it
                for (String line : end < 0 ? new String[0] : text.substring(0, end).split("\n")) {
                    if (stopped) {
                        return;
                    }
                    String[] parts = line.split(" ");
                    if (parts.length != 2) {
                        continue;
                    }
                    completed++;
                    try {
                        Optional<CompletedGame> g = archive.find(parts[0]);
                        if (g.isEmpty()) {
                            lost++;
                            LOG.warn("ledger check: game {} is not in the archive", parts[0]);
                        } else if (!GameRecords.digest(g.get()).equals(parts[1])) {
                            mismatched++;
                            LOG.warn("ledger check: game {} differs from what was completed", parts[0]);
                        }
                        int holders = 0;
                        for (ArchiveBackend b : backends) {
                            if (b.load(parts[0]).isPresent()) {
                                holders++;
                            }
                        }
                        if (holders == 0 && g.isPresent()) {
                            queued++;
                        }
                        if (holders > 0) {
                            archived++;
                        }
                        if (holders > 1) {
                            duplicated++;
                        }
                    } catch (ArchiveException e) {
                        errors++;
                        LOG.warn("ledger check: looking up {} failed: {}", parts[0], e.getMessage());
                    }
                }
            }
        } catch (IOException e) {
            result = Map.of("state", "FAILED", "reason", e.toString());
            return;
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("state", "DONE");
        r.put("completed", completed);
        r.put("archived", archived);
        r.put("stillQueued", queued);
        r.put("lost", lost);
        r.put("duplicated", duplicated);
        r.put("mismatched", mismatched);
        r.put("errors", errors);
        r.put("backends", backends.size());
        result = r;
        LOG.info("ledger check: {}", r);
    }

    @Override
    public String name() {
        return "archive-ledger-check";
    }

    @Override
    public HealthResult check() {
        Map<String, Object> r = result;
        return "FAILED".equals(r.get("state")) ? HealthResult.degraded(String.valueOf(r.get("reason")), r) : HealthResult.up(r);
    }
}
