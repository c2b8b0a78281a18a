package dev.ludus.example.archive.loadgen;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.archive.ArchiveException;
import dev.ludus.api.archive.ArchiveService;
import dev.ludus.api.archive.CompletedGame;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;

/**
 * Completes generated games at a steady rate and hands each to the {@link ArchiveService}, like
 * the rooms runtime does when a game ends. Every game the archive acknowledged (submit returned)
 * is appended to a ledger, {@code $LUDUS_DATA/archive-loadgen/<run>.ledger}, one line
 * {@code <game id> <sha-256 of the game>}: what an operator, or a test, can check the archive
 * against. A refused submit is retried with the same game. Health check {@code archive-loadgen}.
 */
@Component(service = HealthCheck.class, configurationPid = ArchiveLoadGenerator.PID)
@Designate(ocd = ArchiveLoadGenerator.Config.class)
public class ArchiveLoadGenerator implements HealthCheck {

    static final String PID = "dev.ludus.example.archive.loadgen";

    private static final Logger LOG = LoggerFactory.getLogger(ArchiveLoadGenerator.class);

    @ObjectClassDefinition(name = "Ludus example: archive load generator",
            description = "Completes generated games continuously and submits them to the archive.")
    public @interface Config {
        @AttributeDefinition(name = "Enabled")
        boolean enabled() default true;

        @AttributeDefinition(name = "Games per second", description = "Completions per second, over all threads.")
        double gamesPerSecond() default 20;

        @AttributeDefinition(name = "Threads", description = "Concurrent producers (1-64); applies on restart.")
        int threads() default 2;

        @AttributeDefinition(name = "Record size (bytes)", description = "Approximate size of each game record.")
        int recordBytes() default 4096;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ArchiveService archive;

    private final Clock clock = Clock.systemUTC();
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private final Object pacing = new Object();
    private long nextSlotNanos; // guarded by pacing
    private volatile Config config;
    private volatile boolean running;
    private volatile String lastRefusal;
    private String run;
    private Path ledgerPath;
    private FileChannel ledger;

    @Activate
    void activate(BundleContext context, Config c) throws IOException {
        config = c;
        run = UUID.randomUUID().toString().substring(0, 8);
        String data = context.getProperty("ludus.data");
        Path dir = data == null ? context.getDataFile("ledger").toPath() : Path.of(data, "archive-loadgen");
        Files.createDirectories(dir);
        ledgerPath = dir.resolve(run + ".ledger");
        ledger = FileChannel.open(ledgerPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        running = true;
        nextSlotNanos = System.nanoTime();
        int n = Math.max(1, Math.min(64, c.threads()));
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(this::produce, "ludus-archive-loadgen-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        LOG.info("archive load generator run {}: {} games/s on {} thread(s), ledger {}", run, c.gamesPerSecond(), n, ledgerPath);
    }

    @Modified
    void modified(Config c) {
        config = c;
        synchronized (pacing) {
            nextSlotNanos = System.nanoTime();
            pacing.notifyAll();
        }
    }

    @Deactivate
    void deactivate() throws Exception {
        running = false;
        synchronized (pacing) {
            pacing.notifyAll();
        }
        for (Thread t : threads) {
            t.join(10_000);
        }
        ledger.close();
        LOG.info("archive load generator run {} stopped: {} games completed", run, completed.get());
    }

    private void produce() {
        try {
            while (running) {
                if (!awaitSlot()) {
                    continue;
                }
                String id = run + "-" + sequence.getAndIncrement();
                CompletedGame game = GameRecords.game(id, clock.instant(), Math.max(64, config.recordBytes()));
                while (running && !submit(game)) {
                    Thread.sleep(100);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.error("archive load generator cannot write its ledger; stopping: {}", e.toString());
        }
    }

    /** Waits for this thread's next turn; false if it should look at its settings again. */
    private boolean awaitSlot() throws InterruptedException {
        synchronized (pacing) {
            Config c = config;
            if (!c.enabled() || c.gamesPerSecond() <= 0) {
                pacing.wait(200);
                return false;
            }
            long interval = (long) (1_000_000_000L / c.gamesPerSecond());
            long now = System.nanoTime();
            long slot = Math.max(nextSlotNanos, now - TimeUnit.MILLISECONDS.toNanos(100)); // no big catch-up burst
            nextSlotNanos = slot + interval;
            long wait = slot - now;
            if (wait > 0) {
                TimeUnit.NANOSECONDS.timedWait(pacing, wait);
            }
            return running;
        }
    }

    private boolean submit(CompletedGame game) throws IOException {
        ArchiveService a = archive;
        if (a == null) {
            lastRefusal = "no archive service";
            return false;
        }
        try {
            a.submit(game);
        } catch (ArchiveException e) {
            refused.incrementAndGet();
            lastRefusal = e.code() + ": " + e.getMessage();
            return false;
        }
        completed.incrementAndGet();
        byte[] line = (game.gameId() + " " + GameRecords.digest(game) + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (ledger) {
            ByteBuffer b = ByteBuffer.wrap(line);
            while (b.hasRemaining()) {
                ledger.write(b);
            }
        }
        return true;
    }

    @Override
    public String name() {
        return "archive-loadgen";
    }

    @Override
    public HealthResult check() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("run", run);
        d.put("enabled", config.enabled());
        d.put("gamesPerSecond", config.gamesPerSecond());
        d.put("completed", completed.get());
        d.put("refused", refused.get());
        d.put("ledger", String.valueOf(ledgerPath));
        if (lastRefusal != null) {
            d.put("lastRefusal", lastRefusal);
        }
        return HealthResult.up(d);
    }
}
