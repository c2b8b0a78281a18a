package dev.ludus.archive;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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

import dev.ludus.api.archive.ArchiveBackend;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;

/**
 * The operator's migration command: saving configuration {@value #PID} (Web Console, or
 * {@code conf/dev.ludus.archive.migration.cfg}) copies every archived game from backend
 * {@code from} to backend {@code to}, and the health check {@code archive-migration} reports the
 * progress. Saving it again, or a restart while it exists, runs it again: it copies only what the
 * target lacks (resumable, idempotent). Deleting the configuration stops a run.
 */
@Component(service = HealthCheck.class, configurationPid = ArchiveMigration.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = ArchiveMigration.Config.class)
public class ArchiveMigration implements HealthCheck {

    static final String PID = "dev.ludus.archive.migration";

    @ObjectClassDefinition(name = "Ludus archive migration",
            description = "Saving this copies every archived game from one backend to another (the source is left "
                    + "as it is). Progress shows in /health under archive-migration. Save again to run again: only "
                    + "missing games are copied. Delete it to stop.")
    public @interface Config {
        @AttributeDefinition(name = "From backend", min = "1",
                description = "ludus.archive.backend name of the source, e.g. fs")
        String from() default "fs";

        @AttributeDefinition(name = "To backend", min = "1",
                description = "ludus.archive.backend name of the target, e.g. jdbc")
        String to() default "jdbc";

        @AttributeDefinition(name = "Batch size", min = "1", max = "10000",
                description = "Games per write to the target (1-10000).")
        int batchSize() default 500;

        @AttributeDefinition(name = "Pause between batches (ms)", min = "0", max = "3600000",
                description = "Spares a busy target; 0 for none.")
        long pauseMillis() default 0;

        @AttributeDefinition(name = "Run", description = "Any text; change it to run the migration again.")
        String run() default "1";
    }

    private final Map<String, ArchiveBackend> backends = new ConcurrentHashMap<>();
    private Migration migration;
    private Thread thread;
    private String problem;

    @Activate
    void activate(Config config) {
        int batch = config.batchSize();
        long pause = config.pauseMillis();
        if (batch < 1 || batch > 10_000 || pause < 0 || pause > 3_600_000
                || config.from() == null || config.to() == null || config.from().isBlank() || config.to().isBlank()) {
            problem = "configuration " + PID + " needs from and to (backend names), batchSize 1..10000 and "
                    + "pauseMillis 0..3600000; got from='" + config.from() + "', to='" + config.to() + "', batchSize="
                    + batch + ", pauseMillis=" + pause + "; nothing was copied";
            return;
        }
        migration = new Migration(config.from().trim(), config.to().trim(), backends::get, batch, Duration.ofMillis(pause),
                Duration.ofSeconds(10), Clock.systemUTC());
        thread = new Thread(migration, "ludus-archive-migration");
        thread.setDaemon(true);
        thread.start();
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        if (migration != null) {
            migration.stop();
            thread.join(10_000);
        }
    }

    @Reference(service = ArchiveBackend.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addBackend(ArchiveBackend backend, Map<String, Object> properties) {
        Object name = properties.get(ArchiveBackend.NAME_PROPERTY);
        backends.put(name == null ? backend.name() : String.valueOf(name), backend);
    }

    void removeBackend(ArchiveBackend backend) {
        backends.values().removeIf(b -> b == backend);
    }

    @Override
    public String name() {
        return "archive-migration";
    }

    @Override
    public HealthResult check() {
        if (migration == null) {
            return HealthResult.degraded(problem, Map.of());
        }
        Migration m = migration;
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("from", m.from());
        d.put("to", m.to());
        d.put("state", m.state().name());
        d.put("sourceGames", m.sourceGames());
        d.put("alreadyInTarget", m.alreadyInTarget());
        d.put("copied", m.copied());
        d.put("vanished", m.vanished());
        d.put("attempts", m.attempts());
        if (m.startedAt() != null) {
            d.put("startedAt", m.startedAt().toString());
        }
        if (m.finishedAt() != null) {
            d.put("finishedAt", m.finishedAt().toString());
        }
        d.put("message", m.reason());
        return switch (m.state()) {
            case RUNNING, DONE, STOPPED -> HealthResult.up(d);
            case WAITING, FAILED -> HealthResult.degraded("archive migration " + m.from() + " -> " + m.to() + ": " + m.reason(), d);
        };
    }
}
