package dev.ludus.archive;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
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

import com.codahale.metrics.MetricRegistry;

import dev.ludus.api.archive.ArchiveBackend;
import dev.ludus.api.archive.ArchiveException;
import dev.ludus.api.archive.ArchiveQuery;
import dev.ludus.api.archive.ArchiveService;
import dev.ludus.api.archive.ArchiveStatus;
import dev.ludus.api.archive.CompletedGame;
import dev.ludus.api.cache.CacheCodec;
import dev.ludus.api.cache.CacheSpec;
import dev.ludus.api.cache.Caches;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.resilience.Resilience;

/**
 * The archive service: a completed game goes to the {@link DurableQueue} under
 * {@code $LUDUS_DATA/archive/queue}, and the {@link Archiver} moves it to the backend selected by
 * the {@code backend.target} filter of configuration {@value #PID}. Changing that filter rebinds
 * the backend in place (dynamic, greedy reference; no restart), and the next batch goes to the new
 * one. Also runs retention and reports itself as the health check {@code archive}.
 */
@Component(service = {ArchiveService.class, HealthCheck.class}, configurationPid = QueuedArchiveService.PID)
@Designate(ocd = QueuedArchiveService.Config.class)
public class QueuedArchiveService implements ArchiveService, HealthCheck {

    static final String PID = "dev.ludus.archive";
    static final String DEFAULT_TARGET = "(ludus.archive.backend=fs)";
    static final String DEFAULT_CACHE_TARGET = "(ludus.cache=caffeine)";

    private static final Logger LOG = LoggerFactory.getLogger(QueuedArchiveService.class);
    private static final Instant EARLIEST = Instant.parse("1970-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999999Z");
    static final int MAX_ID_LENGTH = 200;
    static final int MAX_PLAYERS = 100;

    @ObjectClassDefinition(name = "Ludus archive",
            description = "Completed games are written to a durable local queue, then moved in batches to the "
                    + "active archive backend. Changes apply at once, without a restart.")
    public @interface Config {
        @AttributeDefinition(name = "Active backend (target filter)",
                description = "Selects the ArchiveBackend service games are written to, by its ludus.archive.backend "
                        + "property: (ludus.archive.backend=fs) or (ludus.archive.backend=jdbc). Switching loses "
                        + "nothing: games wait in the queue until a matching backend takes them.")
        String backend_target() default DEFAULT_TARGET;

        @AttributeDefinition(name = "Batch size", min = "1", max = "10000",
                description = "Games per write to the backend (1-10000).")
        int batchSize() default 256;

        @AttributeDefinition(name = "First retry after (ms)", min = "1", max = "3600000",
                description = "Pause after a failed batch; it doubles on each further failure.")
        long retryInitialMillis() default 200;

        @AttributeDefinition(name = "Longest retry pause (ms)", min = "1", max = "3600000",
                description = "Upper bound of the growing pause.")
        long retryMaxMillis() default 10_000;

        @AttributeDefinition(name = "Queue warning depth", min = "1",
                description = "Health turns DEGRADED when this many games wait.")
        int queueWarnDepth() default 10_000;

        @AttributeDefinition(name = "Queue warning age (s)", min = "1",
                description = "Health turns DEGRADED when the oldest waiting game is this old.")
        int queueWarnAgeSeconds() default 60;

        @AttributeDefinition(name = "Retention (days)", min = "0", max = "365000",
                description = "Archived games completed longer ago than this are deleted from every backend; "
                        + "0 keeps them forever.")
        int retentionDays() default 0;

        @AttributeDefinition(name = "Retention check interval (minutes)", min = "1", max = "525600")
        int retentionCheckMinutes() default 60;

        @AttributeDefinition(name = "Largest game record (bytes)", min = "1", max = "67108864",
                description = "submit() refuses larger records with code invalid_game.")
        int maxRecordBytes() default 8 << 20;

        @AttributeDefinition(name = "Cache (target filter)",
                description = "Selects the Caches service archived games are kept in once looked up, by its "
                        + "ludus.cache property: (ludus.cache=caffeine), (ludus.cache=redis) or "
                        + "(ludus.cache=two-level). Switching is live; without a match, every lookup goes to the backends.")
        String cache_target() default DEFAULT_CACHE_TARGET;

        @AttributeDefinition(name = "Cached games", min = "1", max = "1000000",
                description = "The most games the cache keeps on a node.")
        int cacheEntries() default 2000;

        @AttributeDefinition(name = "Cache time to live (minutes)", min = "1", max = "1440",
                description = "The longest a game stays cached after it was looked up. A game past retention is never "
                        + "served, on any node with the same retention; one deleted from a backend by other means is "
                        + "served at most this long.")
        int cacheMinutes() default 10;
    }

    /** Settings after validation; problems name the setting and the default used instead. */
    record Settings(String target, Archiver.Settings archiver, int warnDepth, Duration warnAge, int retentionDays,
                    Duration retentionInterval, int maxRecordBytes, CacheSpec<CompletedGame> cache, List<String> problems) {

        static Settings of(Config c) {
            List<String> problems = new ArrayList<>();
            String target = c.backend_target() == null || c.backend_target().isBlank() ? DEFAULT_TARGET : c.backend_target().trim();
            try {
                FrameworkUtil.createFilter(target);
            } catch (InvalidSyntaxException e) {
                problems.add("backend.target is not a valid filter: '" + target + "' (" + e.getMessage() + ")");
            }
            int batch = range(problems, "batchSize", c.batchSize(), 1, 10_000, 256);
            long initial = range(problems, "retryInitialMillis", c.retryInitialMillis(), 1, 3_600_000, 200);
            long max = range(problems, "retryMaxMillis", c.retryMaxMillis(), initial, 3_600_000, Math.max(initial, 10_000));
            int warnDepth = range(problems, "queueWarnDepth", c.queueWarnDepth(), 1, Integer.MAX_VALUE, 10_000);
            int warnAge = range(problems, "queueWarnAgeSeconds", c.queueWarnAgeSeconds(), 1, Integer.MAX_VALUE, 60);
            int retention = range(problems, "retentionDays", c.retentionDays(), 0, 365_000, 0);
            int interval = range(problems, "retentionCheckMinutes", c.retentionCheckMinutes(), 1, 525_600, 60);
            int maxRecord = range(problems, "maxRecordBytes", c.maxRecordBytes(), 1, 64 << 20, 8 << 20);
            int cacheEntries = range(problems, "cacheEntries", c.cacheEntries(), 1, 1_000_000, 2000);
            int cacheMinutes = range(problems, "cacheMinutes", c.cacheMinutes(), 1, 1440, 10);
            CacheSpec<CompletedGame> cache = CacheSpec.of("games", GAMES).withMaxEntries(cacheEntries)
                    .withTimeToLive(Duration.ofMinutes(cacheMinutes));
            Archiver.Settings a = new Archiver.Settings(batch, 8L << 20, Duration.ofMillis(initial), Duration.ofMillis(max));
            return new Settings(target, a, warnDepth, Duration.ofSeconds(warnAge), retention,
                    Duration.ofMinutes(interval), maxRecord, cache, List.copyOf(problems));
        }

        private static int range(List<String> problems, String name, int value, int min, int max, int fallback) {
            return (int) range(problems, name, (long) value, min, max, fallback);
        }

        private static long range(List<String> problems, String name, long value, long min, long max, long fallback) {
            if (value < min || value > max) {
                problems.add(name + " must be " + min + ".." + max + ", got " + value + "; using " + fallback);
                return fallback;
            }
            return value;
        }
    }

    /** A bound backend and its name. */
    private record Bound(String name, ArchiveBackend backend) {
    }

    /** Archived games in a cache's bytes: the queue's form (exact), queued at the epoch. */
    static final CacheCodec<CompletedGame> GAMES = new CacheCodec<>() {
        @Override
        public byte[] encode(CompletedGame game) {
            return GameCodec.encode(game, Instant.EPOCH);
        }

        @Override
        public CompletedGame decode(byte[] bytes) {
            try {
                return GameCodec.decode(bytes).game();
            } catch (IOException e) {
                throw new IllegalArgumentException("not an archived game: " + e.getMessage(), e);
            }
        }
    };

    private final AtomicReference<Bound> active = new AtomicReference<>();
    /** Where looked-up games are kept (bundle scope: the caches are this bundle's); null: none matches. */
    private volatile Caches caches;
    private volatile Resilience resilience;
    private volatile String cacheType = "none";
    private final List<Bound> installed = new CopyOnWriteArrayList<>();
    private final Clock clock;

    private volatile Settings settings;
    /** This component's bundle context while it is active: to tell a backend leaving from the node stopping. */
    private volatile BundleContext bundleContext;
    private DurableQueue queue;
    private Archiver archiver;
    private ScheduledExecutorService retention;
    private ScheduledFuture<?> retentionRun;
    private final AtomicLong retentionDeleted = new AtomicLong();
    /** Counts and times; in the node's metrics registry while one is bound. */
    private final ArchiveMetrics metrics = new ArchiveMetrics(() -> queue == null ? 0 : queue.depth(),
            () -> queue == null ? 0 : queue.diskBytes(), this::oldestWaitingSeconds, retentionDeleted::get);
    private volatile MetricRegistry registry;
    private volatile String retentionProblem;
    private volatile Instant retentionLastRun;

    public QueuedArchiveService() {
        this(Clock.systemUTC());
    }

    QueuedArchiveService(Clock clock) {
        this.clock = clock;
    }

    @Activate
    void activate(BundleContext context, Config config) throws IOException {
        bundleContext = context;
        settings = Settings.of(config);
        settings.problems().forEach(p -> LOG.warn("archive configuration: {}", p));
        queue = new DurableQueue(queueDirectory(context), 64L << 20, clock);
        archiver = new Archiver(queue, this::currentTarget, settings.archiver(), clock, metrics, name -> {
            Resilience r = resilience;
            return r == null ? null : r.policy(name);
        });
        MetricRegistry bound = registry;
        if (bound != null) {
            bindMetrics(bound);
        }
        retention = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ludus-archive-retention");
            t.setDaemon(true);
            return t;
        });
        scheduleRetention();
        LOG.info("archive ready: queue {} ({} game(s) waiting), backend target {}", queueDirectory(context),
                queue.depth(), settings.target());
    }

    @Modified
    void modified(Config config) {
        Settings old = settings;
        settings = Settings.of(config);
        settings.problems().forEach(p -> LOG.warn("archive configuration: {}", p));
        archiver.update(settings.archiver());
        if (!old.target().equals(settings.target())) {
            LOG.info("archive backend target changed from {} to {}", old.target(), settings.target());
        }
        scheduleRetention();
    }

    @Deactivate
    void deactivate() {
        metrics.unbind();
        retention.shutdownNow();
        archiver.close(Duration.ofSeconds(5)); // inside the launcher's stop timeout
        queue.close();
    }

    private static Path queueDirectory(BundleContext context) {
        String data = context.getProperty("ludus.data");
        if (data == null || data.isBlank()) {
            Path fallback = context.getDataFile("queue").toPath();
            LOG.warn("framework property ludus.data is not set; the archive queue lives in {}", fallback);
            return fallback;
        }
        return Path.of(data, "archive", "queue");
    }

    // ---------------------------------------------------------------- references

    /**
     * The node's metrics registry (the metrics bundle), optional: the archive's counts and times
     * are put there while one is bound, and taken out when it leaves; they go on counting meanwhile.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindMetricRegistry(MetricRegistry r) {
        registry = r;
        if (archiver != null) {
            bindMetrics(r);
        }
    }

    void unbindMetricRegistry(MetricRegistry r) {
        if (registry == r) {
            registry = null;
            if (metrics.registry() == r) {
                metrics.unbind();
            }
        }
    }

    private void bindMetrics(MetricRegistry r) {
        Bundle b = FrameworkUtil.getBundle(QueuedArchiveService.class);
        metrics.bind(r, b == null ? "dev.ludus.archive" : b.getSymbolicName(), b == null ? "0" : b.getVersion().toString());
    }

    /** How long the oldest queued game has waited, seconds (0 when none waits). */
    private long oldestWaitingSeconds() {
        Archiver a = archiver;
        if (a == null) {
            return 0;
        }
        Instant now = clock.instant();
        return a.status().oldestWaiting().map(t -> Math.max(0, Duration.between(t, now).toSeconds())).orElse(0L);
    }

    /**
     * Resilience policies, optional: while a service is bound each batch is written through the
     * policy {@code archive.<backend>} (its retries and breaker instead of the worker's own pauses).
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindResilience(Resilience r) {
        resilience = r;
    }

    void unbindResilience(Resilience r) {
        if (resilience == r) {
            resilience = null;
        }
    }

    @Reference(name = "cache", service = Caches.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY, target = DEFAULT_CACHE_TARGET)
    void bindCache(Caches c, Map<String, Object> properties) {
        caches = c;
        cacheType = String.valueOf(properties.get(Caches.TYPE));
        LOG.info("archive: games looked up are cached in the {} cache", cacheType);
    }

    void unbindCache(Caches c) {
        if (caches == c) {
            caches = null;
            cacheType = "none";
        }
    }

    @Reference(name = "backend", service = ArchiveBackend.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY, target = DEFAULT_TARGET)
    void bindBackend(ArchiveBackend backend, Map<String, Object> properties) {
        active.set(new Bound(nameOf(backend, properties), backend));
        LOG.info("archive backend '{}' is active", nameOf(backend, properties));
        Archiver a = archiver;
        if (a != null) {
            a.backendChanged();
        }
    }

    void updatedBackend(ArchiveBackend backend, Map<String, Object> properties) {
        active.updateAndGet(cur -> cur != null && cur.backend() == backend ? new Bound(nameOf(backend, properties), backend) : cur);
    }

    void unbindBackend(ArchiveBackend backend) {
        Bound gone = active.getAndUpdate(cur -> cur != null && cur.backend() == backend ? null : cur);
        if (gone != null && gone.backend() == backend && active.get() == null) {
            if (nodeStopping()) {
                LOG.info("archive backend '{}' stopped with the node", gone.name());
            } else {
                LOG.warn("archive backend '{}' left; games wait in the queue until a backend matches {}", gone.name(),
                        settings == null ? DEFAULT_TARGET : settings.target());
            }
        }
    }

    /** Whether the framework is stopping (every bundle stops in turn: a backend leaving is no news then). */
    private boolean nodeStopping() {
        BundleContext c = bundleContext;
        try {
            return c != null && c.getBundle(0).getState() == org.osgi.framework.Bundle.STOPPING;
        } catch (IllegalStateException e) {
            return true; // this component's own bundle is stopping
        }
    }

    @Reference(name = "backends", service = ArchiveBackend.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC)
    void addInstalledBackend(ArchiveBackend backend, Map<String, Object> properties) {
        installed.add(new Bound(nameOf(backend, properties), backend));
    }

    void removeInstalledBackend(ArchiveBackend backend) {
        installed.removeIf(b -> b.backend() == backend);
    }

    private static String nameOf(ArchiveBackend backend, Map<String, Object> properties) {
        Object n = properties.get(ArchiveBackend.NAME_PROPERTY);
        if (n != null) {
            return String.valueOf(n);
        }
        try {
            return backend.name();
        } catch (RuntimeException e) {
            return backend.getClass().getName();
        }
    }

    private Archiver.Target currentTarget() {
        Bound b = active.get();
        return b == null ? null : new Archiver.Target(b.name(), b.backend());
    }

    // ---------------------------------------------------------------- ArchiveService

    @Override
    public void submit(CompletedGame game) {
        validate(game, settings.maxRecordBytes());
        queue.append(game);
    }

    static void validate(CompletedGame game, int maxRecordBytes) {
        if (game == null) {
            throw invalid("a game is required");
        }
        checkText("gameId", game.gameId(), MAX_ID_LENGTH);
        checkText("gameType", game.gameType(), MAX_ID_LENGTH);
        if (game.playerIds().size() > MAX_PLAYERS) {
            throw invalid("at most " + MAX_PLAYERS + " players, got " + game.playerIds().size());
        }
        for (String p : game.playerIds()) {
            checkText("playerId", p, MAX_ID_LENGTH);
        }
        if (game.record().length > maxRecordBytes) {
            throw invalid("record of " + game.record().length + " bytes exceeds maxRecordBytes " + maxRecordBytes);
        }
        for (Instant t : List.of(game.startedAt(), game.completedAt())) {
            if (t.isBefore(EARLIEST) || t.isAfter(LATEST)) {
                throw invalid("times must lie between " + EARLIEST + " and " + LATEST + ", got " + t);
            }
        }
        if (game.startedAt().isAfter(game.completedAt())) {
            throw invalid("startedAt " + game.startedAt() + " is after completedAt " + game.completedAt());
        }
    }

    private static void checkText(String what, String value, int max) {
        if (value.isBlank() || value.length() > max) {
            throw invalid(what + " must be 1.." + max + " characters and not blank, got '" + abbreviate(value) + "'");
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw invalid(what + " must not contain control characters: '" + abbreviate(value) + "'");
            }
        }
    }

    private static String abbreviate(String s) {
        String clean = s.replaceAll("\\p{Cntrl}", "?");
        return clean.length() <= 40 ? clean : clean.substring(0, 40) + "...";
    }

    private static ArchiveException invalid(String message) {
        return new ArchiveException("invalid_game", message, null);
    }

    @Override
    public Optional<CompletedGame> find(String gameId) {
        if (gameId == null || gameId.isBlank()) {
            throw new ArchiveException("invalid_query", "a game id is required", null);
        }
        Settings s = settings;
        Instant cutoff = retentionCutoff(s);
        Optional<CompletedGame> queued = queue.find(gameId);
        if (queued.isPresent()) {
            return queued.filter(g -> kept(g, cutoff));
        }
        // An archived game never changes: once found it is cached until its time to live or
        // eviction (retention empties the cache when it deletes). "Not found" is not cached: the
        // game may be archived a moment later.
        Caches c = caches;
        Optional<CompletedGame> found = c != null
                ? Optional.ofNullable(c.cache(s.cache()).get(gameId, id -> fromBackends(id).orElse(null)))
                : fromBackends(gameId);
        // A game past retention is never served, deleted yet or not: no cache of any node can
        // answer with it after its time, whichever node's retention pass deletes it and when.
        return found.filter(g -> kept(g, cutoff));
    }

    /** The oldest completion retention keeps now, or null when it keeps everything. */
    private Instant retentionCutoff(Settings s) {
        return s.retentionDays() > 0 ? clock.instant().minus(Duration.ofDays(s.retentionDays())) : null;
    }

    private static boolean kept(CompletedGame g, Instant cutoff) {
        return cutoff == null || !g.completedAt().isBefore(cutoff);
    }

    /** The game from the active backend, then any other installed one. */
    private Optional<CompletedGame> fromBackends(String gameId) {
        ArchiveException failure = null;
        for (Bound b : lookupOrder()) {
            try {
                Optional<CompletedGame> found = read(b, () -> b.backend().load(gameId));
                if (found.isPresent()) {
                    return found;
                }
            } catch (ArchiveException e) {
                failure = failure == null ? new ArchiveException(e.code(), "backend '" + b.name() + "': " + e.getMessage(), e) : failure;
            } catch (RuntimeException e) {
                failure = failure == null ? new ArchiveException("backend_unavailable", "backend '" + b.name() + "': " + e, e) : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
        return Optional.empty();
    }

    /**
     * A read of backend {@code b} through its resilience policy {@code archive.<backend>.read}, one
     * attempt (a player's request waits on it; the caller answers or retries): an open breaker
     * refuses at once (as {@code backend_unavailable}) instead of waiting on a backend that keeps
     * failing. A corrupt record is the record's fault, not the backend's: it does not count
     * against the breaker. Without a resilience service, or for a name no policy can have, the
     * read goes straight to the backend.
     */
    private <T> T read(Bound b, dev.ludus.api.resilience.Policy.Call<T, RuntimeException> call) {
        Resilience r = resilience;
        dev.ludus.api.resilience.Policy policy = null;
        if (r != null) {
            try {
                policy = r.policy("archive." + b.name() + ".read");
            } catch (dev.ludus.api.resilience.ResilienceException e) {
                policy = null; // a backend name no policy can carry: read straight
            }
        }
        if (policy == null) {
            return call.call();
        }
        try {
            return policy.callOnce(call, e -> e instanceof ArchiveException a && "corrupt_record".equals(a.code()));
        } catch (dev.ludus.api.resilience.ResilienceException e) {
            throw new ArchiveException("backend_unavailable", e.getMessage(), e);
        }
    }

    /** The active backend first, then every other installed one. */
    private List<Bound> lookupOrder() {
        List<Bound> order = new ArrayList<>();
        Bound a = active.get();
        if (a != null) {
            order.add(a);
        }
        for (Bound b : installed) {
            if (a == null || b.backend() != a.backend()) {
                order.add(b);
            }
        }
        return order;
    }

    @Override
    public List<CompletedGame> query(ArchiveQuery query) {
        if (query == null) {
            throw new ArchiveException("invalid_query", "a query is required", null);
        }
        Map<String, CompletedGame> merged = new LinkedHashMap<>();
        for (Bound b : lookupOrder()) {
            List<CompletedGame> found;
            try {
                found = read(b, () -> b.backend().query(query));
            } catch (ArchiveException e) {
                throw new ArchiveException(e.code(), "backend '" + b.name() + "': " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw new ArchiveException("backend_unavailable", "backend '" + b.name() + "': " + e, e);
            }
            for (CompletedGame g : found) {
                merged.putIfAbsent(g.gameId(), g);
            }
        }
        Instant cutoff = retentionCutoff(settings);
        return merged.values().stream()
                .filter(g -> kept(g, cutoff))
                .sorted(Comparator.comparing(CompletedGame::completedAt).reversed().thenComparing(CompletedGame::gameId))
                .limit(query.limit())
                .toList();
    }

    @Override
    public ArchiveStatus status() {
        return archiver.status();
    }

    // ---------------------------------------------------------------- retention

    private synchronized void scheduleRetention() {
        if (retentionRun != null) {
            retentionRun.cancel(false);
        }
        Settings s = settings;
        if (s.retentionDays() > 0) {
            long period = s.retentionInterval().toSeconds();
            retentionRun = retention.scheduleAtFixedRate(this::applyRetention, 1, period, TimeUnit.SECONDS);
        } else {
            retentionRun = null;
        }
    }

    private void applyRetention() {
        Settings s = settings;
        if (s.retentionDays() <= 0) {
            return;
        }
        Instant cutoff = retentionCutoff(s);
        List<String> problems = new ArrayList<>();
        long deletedBefore = retentionDeleted.get();
        for (Bound b : installed) {
            try {
                int n = b.backend().deleteCompletedBefore(cutoff);
                retentionDeleted.addAndGet(n);
                if (n > 0) {
                    LOG.info("archive retention: deleted {} game(s) completed before {} from '{}'", n, cutoff, b.name());
                }
            } catch (RuntimeException e) {
                problems.add(b.name() + ": " + e.getMessage());
            }
        }
        Caches c = caches;
        if (c != null && retentionDeleted.get() != deletedBefore) {
            c.cache(s.cache()).invalidateAll(); // deleted games must not be served from the cache
        }
        retentionLastRun = clock.instant();
        retentionProblem = problems.isEmpty() ? null : String.join("; ", problems);
        if (retentionProblem != null) {
            LOG.warn("archive retention failed: {}", retentionProblem);
        }
    }

    // ---------------------------------------------------------------- health

    @Override
    public String name() {
        return "archive";
    }

    @Override
    public HealthResult check() {
        Settings s = settings;
        ArchiveStatus st = archiver.status();
        Instant now = clock.instant();
        long oldestAge = st.oldestWaiting().map(t -> Math.max(0, Duration.between(t, now).toSeconds())).orElse(0L);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("activeBackend", st.activeBackend().orElse("none"));
        d.put("backendTarget", s.target());
        d.put("backends", String.join(", ", installed.stream().map(Bound::name).sorted().toList()));
        d.put("queueDepth", st.queueDepth());
        d.put("oldestWaitingSeconds", oldestAge);
        st.oldestWaiting().ifPresent(t -> d.put("oldestWaiting", t.toString()));
        d.put("queueBytes", queue.diskBytes());
        d.put("archivedTotal", st.archivedTotal());
        d.put("archivedPerSecond", Math.round(archiver.archivedPerSecond(10) * 10) / 10.0);
        d.put("failuresTotal", st.failuresTotal());
        d.put("consecutiveFailures", archiver.consecutiveFailures());
        st.lastFailure().ifPresent(f -> d.put("lastFailure", f));
        d.put("cache", cacheType);
        d.put("retentionDays", s.retentionDays());
        d.put("retentionDeletedTotal", retentionDeleted.get());
        if (retentionLastRun != null) {
            d.put("retentionLastRun", retentionLastRun.toString());
        }

        String broken = queue.brokenReason();
        if (broken != null) {
            return HealthResult.down("archive queue cannot be written: " + broken, d);
        }
        String waiting = st.queueDepth() + " game(s) waiting in the queue";
        if (!s.problems().isEmpty()) {
            return HealthResult.degraded("configuration " + PID + ": " + String.join("; ", s.problems()), d);
        }
        if (st.activeBackend().isEmpty()) {
            return HealthResult.degraded("no archive backend matches " + s.target() + "; " + waiting, d);
        }
        if (archiver.consecutiveFailures() > 0) {
            Instant since = archiver.failingSince();
            return HealthResult.degraded("archive backend failing" + (since == null ? "" : " since " + since) + ": "
                    + archiver.lastFailure() + "; " + waiting + ", retrying", d);
        }
        if (st.queueDepth() >= s.warnDepth() || oldestAge >= s.warnAge().toSeconds()) {
            return HealthResult.degraded("archive queue growing: " + waiting + ", oldest " + oldestAge + " s", d);
        }
        if (retentionProblem != null) {
            return HealthResult.degraded("archive retention failed: " + retentionProblem, d);
        }
        return HealthResult.up(d);
    }
}
