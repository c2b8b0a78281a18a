package dev.ludus.stats;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ludus.api.archive.ArchiveQuery;
import dev.ludus.api.archive.ArchiveService;
import dev.ludus.api.archive.CompletedGame;
import dev.ludus.api.bus.Delivery;
import dev.ludus.api.bus.MessageHandler;
import dev.ludus.api.bus.PoisonMessageException;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.stats.GameRecord;
import dev.ludus.api.stats.PlayerProfile;
import dev.ludus.api.stats.PlayerStats;
import dev.ludus.api.stats.Standing;
import dev.ludus.eventlog.DataDirectories;

/**
 * Player statistics: consumer group {@code stats} of {@code game.finished} on every running bus,
 * applying each game once (by message id) after making it durable ({@link StatsStore}); serving
 * {@link PlayerStats}; health {@code stats}. Raising {@code rebuildGeneration} rebuilds everything
 * from the archive.
 */
@Component(service = {PlayerStats.class, MessageHandler.class, HealthCheck.class},
        configurationPid = StatsService.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {MessageHandler.GROUP + "=stats", MessageHandler.TOPICS + "=game.finished",
            MessageHandler.MAX_DELIVERIES + ":Integer=5"})
@Designate(ocd = StatsConfig.class)
public final class StatsService implements PlayerStats, MessageHandler, HealthCheck {

    static final String PID = "dev.ludus.stats";
    static final String LUDUS_DATA = DataDirectories.LUDUS_DATA;
    private static final Logger LOG = LoggerFactory.getLogger(StatsService.class);

    private final ObjectMapper json = new ObjectMapper();
    private volatile StatsModel model = new StatsModel(50);
    private volatile StatsStore store;
    private volatile String problem;
    private volatile String rebuildState = "";
    private volatile int historyPerPlayer = 50;
    private ExecutorService rebuilder;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ArchiveService archive;

    @Activate
    void activate(StatsConfig config, BundleContext context) {
        File area = context.getDataFile("");
        historyPerPlayer = Math.max(1, Math.min(100, config.historyPerPlayer()));
        StatsModel m = new StatsModel(historyPerPlayer);
        Path dir = null;
        try {
            dir = directory(config.directory(), context.getProperty(LUDUS_DATA), area == null ? null : area.toPath());
            store = StatsStore.open(dir, m);
            model = m;
            problem = null;
            LOG.info("stats in {}: {} games, {} players", dir, m.games(), m.players());
        } catch (RuntimeException e) {
            problem = dir == null ? e.getMessage() : "cannot open the statistics log in " + dir + ": " + e.getMessage();
            LOG.error("stats: {}", problem, e);
        }
        rebuilder = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ludus-stats-rebuild");
            t.setDaemon(true);
            return t;
        });
        modified(config);
    }

    @Modified
    void modified(StatsConfig config) {
        StatsStore s = store;
        if (s != null && config.rebuildGeneration() > s.generation()) {
            long generation = config.rebuildGeneration();
            rebuilder.execute(() -> rebuild(generation));
        }
    }

    @Deactivate
    void deactivate() {
        if (rebuilder != null) {
            rebuilder.shutdownNow();
            try {
                rebuilder.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        StatsStore s = store;
        store = null;
        if (s != null) {
            s.close();
        }
    }

    /** Wired by hand (tests): the store and model are open and replayed. */
    void useForTests(StatsStore s, StatsModel m) {
        store = s;
        model = m;
    }

    static Path directory(String configured, String ludusData, Path bundleData) {
        return DataDirectories.resolve(configured, ludusData, bundleData, "stats");
    }

    // ---------------------------------------------------------------- the consumer

    @Override
    public void handle(Delivery delivery) throws Exception {
        StatsStore s = store;
        if (s == null) {
            throw new IllegalStateException("the statistics log is not open" + (problem == null ? "" : ": " + problem));
        }
        String id = delivery.message().id();
        StatsModel m = model;
        if (m.applied(id)) {
            return; // a copy of a game already counted
        }
        GameOutcome g;
        try {
            g = GameOutcome.read(id, json.readTree(delivery.message().payload()));
        } catch (IOException | IllegalArgumentException e) {
            throw new PoisonMessageException("not a game.finished statistics can read: " + e.getMessage(), e);
        }
        synchronized (this) { // one writer: a copy arriving in another lane waits and is then skipped
            if (m.applied(id)) {
                return;
            }
            s.append(g);
            m.apply(g);
        }
    }

    // ---------------------------------------------------------------- rebuild

    private void rebuild(long generation) {
        ArchiveService a = archive;
        StatsStore s = store;
        if (a == null || s == null) {
            rebuildState = "rebuild " + generation + " waits: " + (a == null ? "no archive" : "log not open");
            LOG.warn("stats: {}", rebuildState);
            return;
        }
        rebuildState = "rebuild " + generation + " running";
        LOG.info("stats: rebuilding from the archive (generation {})", generation);
        try {
            List<CompletedGame> games = a.query(new ArchiveQuery(Instant.EPOCH, Instant.now().plusSeconds(86_400),
                    Optional.empty(), 10_000_000));
            List<GameOutcome> outcomes = new ArrayList<>();
            int skipped = 0;
            for (CompletedGame c : games) {
                try {
                    JsonNode doc = json.readTree(c.record());
                    JsonNode finished = doc.get("finished");
                    if (finished == null || !finished.isObject()) {
                        skipped++;
                        continue;
                    }
                    outcomes.add(GameOutcome.read("game.finished:" + c.gameId(), finished));
                } catch (IOException | IllegalArgumentException e) {
                    skipped++;
                }
            }
            outcomes.sort((x, y) -> x.finishedAt().compareTo(y.finishedAt()));
            StatsModel fresh = new StatsModel(historyPerPlayer);
            fresh.generation(generation);
            synchronized (this) {
                s.rebuild(generation, outcomes);
                outcomes.forEach(fresh::apply);
                model = fresh;
            }
            rebuildState = "rebuild " + generation + " done: " + outcomes.size() + " games, " + skipped
                    + " archived games without a result skipped";
            LOG.info("stats: {}", rebuildState);
        } catch (Exception e) {
            rebuildState = "rebuild " + generation + " failed: " + e;
            LOG.error("stats: rebuild {} failed", generation, e);
        }
    }

    // ---------------------------------------------------------------- PlayerStats

    @Override
    public Optional<PlayerProfile> profile(String playerId) {
        return playerId == null ? Optional.empty() : model.profile(playerId);
    }

    @Override
    public List<Standing> leaderboard(String gameType, int limit) {
        return gameType == null ? List.of() : model.leaderboard(gameType, clamp(limit));
    }

    @Override
    public List<GameRecord> history(String playerId, int limit) {
        return playerId == null ? List.of() : model.history(playerId, clamp(limit));
    }

    @Override
    public String playerRevision(String playerId) {
        return playerId == null ? null : model.playerRevision(playerId);
    }

    @Override
    public String leaderboardRevision(String gameType) {
        return gameType == null ? null : model.leaderboardRevision(gameType);
    }

    private static int clamp(int limit) {
        return Math.max(1, Math.min(MAX_LIMIT, limit));
    }

    // ---------------------------------------------------------------- health

    @Override
    public String name() {
        return "stats";
    }

    @Override
    public HealthResult check() {
        Map<String, Object> d = new LinkedHashMap<>();
        StatsModel m = model;
        d.put("games", m.games());
        d.put("players", m.players());
        StatsStore s = store;
        if (s != null) {
            d.put("directory", s.directory().toString());
        }
        if (!rebuildState.isEmpty()) {
            d.put("rebuild", rebuildState);
        }
        if (s == null) {
            return HealthResult.down(problem == null ? "not running" : problem, d);
        }
        if (rebuildState.contains("failed") || rebuildState.contains("waits")) {
            return HealthResult.degraded(rebuildState, d);
        }
        return HealthResult.up(d);
    }
}
