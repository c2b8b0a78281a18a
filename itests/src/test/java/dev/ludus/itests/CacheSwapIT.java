package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

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
import dev.ludus.api.archive.CompletedGame;
import dev.ludus.api.cache.CacheStats;
import dev.ludus.api.cache.Caches;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;
import dev.ludus.testing.fixtures.ProtocolClient;
import dev.ludus.testing.fixtures.TcpRelay;

/**
 * The archive's lookups read through the cache while the cache implementation is switched under
 * them (ConfigAdmin, like the archive's backend): Caffeine → Redis → two-level → Caffeine, with
 * Redis cut away for a few seconds in the two-level phase. Readers look up archived games with a
 * skewed popularity throughout: every lookup answers, with the game byte for byte, none fails;
 * each implementation is seen serving hits; health says DEGRADED while Redis is away and UP after.
 * The same for the players' gateway: while two players finish game after game (archive records
 * and statistics written, revisions changing), readers over the WebSocket ask for replays,
 * profiles, histories and the leaderboard as its {@code cache.target} is switched the same way:
 * every reply is ok, a replay is the same whichever cache served it, and no reader sees a
 * player's figures go back (no stale statistics).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CacheSwapIT {

    private static final int GAMES = 300;
    private static final int READERS = 4;

    @Inject
    BundleContext context;

    @Inject
    ConfigurationAdmin configAdmin;

    @Inject
    ArchiveService archive;

    @Configuration
    public Option[] config() throws Exception {
        return ExamConfig.defaultFeatureSet("cache-swap", List.of("redis", "cache-redis"), Map.of(
                        "dev.ludus.rooms.cfg", "botThinkMillis = 20\n",
                        // the readers ask as fast as they are answered
                        "dev.ludus.gateway.cfg", "limits = off\nmessagesPerSecond = 100000\nmessageBurst = 100000\n"),
                frameworkProperty("ludus.itest.redis").value(ExamRedis.url(CacheSwapIT.class, 1)));
    }

    /** The games' figures in the {@code type} implementation: the archive's cache of games. */
    private Optional<CacheStats> games(String type) throws Exception {
        for (ServiceReference<Caches> r : context.getServiceReferences(Caches.class, "(" + Caches.TYPE + "=" + type + ")")) {
            Caches c = context.getService(r);
            try {
                return c.stats().stream().filter(s -> s.owner().equals("dev.ludus.archive") && s.name().equals("games"))
                        .findFirst();
            } finally {
                context.ungetService(r);
            }
        }
        return Optional.empty();
    }

    private String boundCache() throws Exception {
        HealthResult h = HealthChecks.find(context, "archive");
        return h == null ? "no archive" : String.valueOf(h.details().get("cache"));
    }

    /** What a failed wait shows: the archive's health and every cache implementation registered. */
    private Object cachesSeen() throws Exception {
        List<String> types = new ArrayList<>();
        for (ServiceReference<Caches> r : context.getServiceReferences(Caches.class, null)) {
            types.add(String.valueOf(r.getProperty(Caches.TYPE)));
        }
        return "archive " + HealthChecks.find(context, "archive") + "; Caches services " + types + "; cache-redis "
                + HealthChecks.find(context, "cache-redis");
    }

    /** The shared caches' health, null while their component restarts. */
    private HealthStatus redisCaches() throws Exception {
        HealthResult h = HealthChecks.find(context, "cache-redis");
        return h == null ? null : h.status();
    }

    private Object redisCachesHealth() throws Exception {
        return String.valueOf(HealthChecks.find(context, "cache-redis"));
    }

    private void use(String type) throws Exception {
        Configurations.merge(configAdmin, "dev.ludus.archive", Map.of("cache.target", "(ludus.cache=" + type + ")"));
        long t0 = System.nanoTime();
        Wait.until("the archive reading through " + type, 120_000, () -> type.equals(boundCache()), this::cachesSeen);
        System.out.println("CacheSwapIT: the archive read through " + type + " after "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
        Wait.until(type + " serving hits", 30_000, () -> games(type).map(s -> s.hits() > 200).orElse(false),
                () -> String.valueOf(games(type)));
    }

    @Test
    public void lookupsNeverFailWhileTheCacheIsSwitchedAndRedisGoesAway() throws Exception {
        URI redisUri = URI.create(context.getProperty("ludus.itest.redis"));
        try (TcpRelay relay = new TcpRelay(redisUri.getPort())) {
            Configurations.merge(configAdmin, "dev.ludus.redis", Map.of("host", "127.0.0.1", "port", relay.port(),
                    "checkSeconds", 1));
            Configurations.merge(configAdmin, "dev.ludus.cache.redis", Map.of("keyPrefix",
                    "ludus:itest:" + System.nanoTime(), "timeoutMillis", 100, "retryMillis", 300,
                    "nearTimeToLiveMillis", 2000));
            // Both settings restart the shared caches' component: its health check comes back with it.
            Wait.until("cache-redis connected", 30_000, () -> redisCaches() == HealthStatus.UP, this::redisCachesHealth);

            Map<String, CompletedGame> expected = new ConcurrentHashMap<>();
            Instant now = Instant.now();
            for (int i = 0; i < GAMES; i++) {
                CompletedGame g = ArchiveFixtures.game("cache-swap-" + i, now.minusSeconds(i));
                expected.put(g.gameId(), g);
                archive.submit(g);
            }
            Wait.until("every game archived", 30_000, () -> archive.status().queueDepth() == 0);
            List<String> ids = new ArrayList<>(expected.keySet());
            ids.sort(null);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong reads = new AtomicLong();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            ExecutorService pool = Executors.newFixedThreadPool(READERS);
            List<Future<?>> running = new ArrayList<>();
            for (int r = 0; r < READERS; r++) {
                running.add(pool.submit(() -> {
                    while (!stop.get()) {
                        // skewed: the first games are asked for far more often than the last
                        double u = ThreadLocalRandom.current().nextDouble();
                        String id = ids.get((int) (u * u * u * ids.size()));
                        try {
                            Optional<CompletedGame> g = archive.find(id);
                            if (g.isEmpty() || !ArchiveFixtures.identical(g.get(), expected.get(id))) {
                                failures.add(id + ": " + (g.isEmpty() ? "not found" : "a different game"));
                            }
                        } catch (RuntimeException e) {
                            failures.add(id + ": " + e);
                        }
                        reads.incrementAndGet();
                    }
                }));
            }
            try {
                use("caffeine");
                use("redis");
                use("two-level");
                relay.cut();
                Wait.until("health DEGRADED while Redis is away", 30_000, () -> redisCaches() == HealthStatus.DEGRADED,
                        this::redisCachesHealth);
                long during = reads.get();
                Thread.sleep(3000);
                assertTrue("reads go on while Redis is away", reads.get() > during + 100);
                relay.restore();
                Wait.until("health UP once Redis is back", 30_000, () -> redisCaches() == HealthStatus.UP,
                        this::redisCachesHealth);
                long hitsBack = games("two-level").map(CacheStats::hits).orElse(0L);
                Wait.until("two-level serving hits again", 30_000, () -> games("two-level").map(s -> s.hits() > hitsBack + 100)
                        .orElse(false), () -> String.valueOf(games("two-level")));
                use("caffeine");
                Thread.sleep(1000);
            } finally {
                stop.set(true);
                pool.shutdown();
                assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
            }
            for (Future<?> f : running) {
                f.get();
            }
            assertEquals("failed lookups (first ones): " + failures.stream().limit(5).toList(), 0, failures.size());
            assertTrue("reads: " + reads.get(), reads.get() > 5_000);
            System.out.println("CacheSwapIT: " + reads.get() + " lookups across caffeine -> redis -> two-level "
                    + "(Redis cut for 3 s) -> caffeine, 0 failed");
        }
    }

    /** The gateway's cache {@code name} in the {@code type} implementation. */
    private Optional<CacheStats> gatewayCache(String type, String name) throws Exception {
        for (ServiceReference<Caches> r : context.getServiceReferences(Caches.class, "(" + Caches.TYPE + "=" + type + ")")) {
            Caches c = context.getService(r);
            try {
                return c.stats().stream().filter(x -> x.owner().equals("dev.ludus.gateway") && x.name().equals(name))
                        .findFirst();
            } finally {
                context.ungetService(r);
            }
        }
        return Optional.empty();
    }

    private void gatewayUses(String type) throws Exception {
        long before = gatewayCache(type, "replays").map(CacheStats::hits).orElse(0L);
        Configurations.merge(configAdmin, "dev.ludus.gateway", Map.of("cache.target", "(ludus.cache=" + type + ")"));
        Wait.until(type + " serving the gateway's replays", 30_000, () -> gatewayCache(type, "replays")
                .map(x -> x.hits() > before + 100).orElse(false), () -> String.valueOf(gatewayCache(type, "replays")));
        Wait.until(type + " serving the gateway's statistics", 30_000, () -> gatewayCache(type, "stats")
                .map(x -> x.hits() > 20).orElse(false), () -> String.valueOf(gatewayCache(type, "stats")));
    }

    @SuppressWarnings("unchecked")
    @Test
    public void playersRepliesNeverFailNorGoStaleWhileTheGatewaysCacheIsSwitched() throws Exception {
        URI ws = URI.create("ws://127.0.0.1:" + context.getProperty("org.osgi.service.http.port") + "/ws");
        ProtocolClient.awaitGateway(ws, 30_000);
        URI redisUri = URI.create(context.getProperty("ludus.itest.redis"));
        try (TcpRelay relay = new TcpRelay(redisUri.getPort())) {
            Configurations.merge(configAdmin, "dev.ludus.redis", Map.of("host", "127.0.0.1", "port", relay.port(),
                    "checkSeconds", 1));
            Configurations.merge(configAdmin, "dev.ludus.cache.redis", Map.of("keyPrefix",
                    "ludus:itest:gw:" + System.nanoTime(), "timeoutMillis", 100, "retryMillis", 300,
                    "nearTimeToLiveMillis", 2000));
            Wait.until("cache-redis connected", 30_000, () -> redisCaches() == HealthStatus.UP, this::redisCachesHealth);

            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            List<String> archived = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<String> players = new java.util.concurrent.CopyOnWriteArrayList<>();
            AtomicLong games = new AtomicLong();
            AtomicLong replies = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(5);
            List<Future<?>> running = new ArrayList<>();
            // Writers: two players finishing one-round games against bots, one after another.
            for (String name : List.of("Pia", "Pete")) {
                running.add(pool.submit(() -> {
                    ProtocolClient p = null;
                    try {
                        p = ProtocolClient.hello(ws, name);
                        players.add(p.playerId());
                        while (!stop.get()) {
                            String room = LiapTuiPlayer.startAgainstBots(p, name + " " + games.get(), Map.of("maxRounds", "1"));
                            LiapTuiPlayer.play(p, 90_000, -1);
                            p.ok("leave_room", Map.of());
                            Wait.until("game " + room + " archived", 30_000, () -> archive.find(room).isPresent());
                            archived.add(room);
                            games.incrementAndGet();
                            // The same player on a fresh connection: the next game is read from its own messages.
                            ProtocolClient next = p.resume(ws);
                            p.close();
                            p = next;
                        }
                    } catch (Exception e) {
                        failures.add(name + " playing: " + e);
                    } finally {
                        if (p != null) {
                            p.close();
                        }
                    }
                    return null;
                }));
            }
            Wait.until("a few games archived", 120_000, () -> archived.size() >= 3);
            // Readers: replays of archived games as any seat, the players' profiles and histories, the leaderboard.
            for (int i = 0; i < 3; i++) {
                int reader = i;
                running.add(pool.submit(() -> {
                    Map<String, Map<String, Object>> replays = new java.util.HashMap<>();
                    Map<String, Integer> played = new java.util.HashMap<>();
                    try (ProtocolClient c = ProtocolClient.hello(ws, "reader " + reader)) {
                        c.keepAtMost(50);
                        while (!stop.get()) {
                            int pick = ThreadLocalRandom.current().nextInt(10);
                            if (pick < 5) {
                                // skewed towards the first games
                                double u = ThreadLocalRandom.current().nextDouble();
                                String game = archived.get((int) (u * u * archived.size()));
                                int seat = ThreadLocalRandom.current().nextInt(4);
                                Map<String, Object> r = c.request("replay", Map.of("game", game, "seat", seat));
                                if (!"ok".equals(r.get("type"))) {
                                    failures.add("replay " + game + ": " + r);
                                    continue;
                                }
                                Map<String, Object> first = replays.putIfAbsent(game + "|" + seat, ProtocolClient.result(r));
                                if (first != null && !first.equals(ProtocolClient.result(r))) {
                                    failures.add("replay " + game + " seat " + seat + " changed between two answers");
                                }
                            } else {
                                String who = players.get(ThreadLocalRandom.current().nextInt(players.size()));
                                String type = pick < 7 ? "profile" : pick < 9 ? "history" : "leaderboard";
                                Map<String, Object> r = c.request(type, type.equals("leaderboard")
                                        ? Map.of("game", "liap-tui") : Map.of("player", who));
                                if (!"ok".equals(r.get("type"))) {
                                    failures.add(type + ": " + r);
                                    continue;
                                }
                                if (type.equals("profile")) {
                                    int n = ((Number) ((Map<String, Object>) ProtocolClient.result(r).get("profile"))
                                            .get("gamesPlayed")).intValue();
                                    Integer seen = played.put(who, n);
                                    if (seen != null && n < seen) {
                                        failures.add("profile of " + who + " went back from " + seen + " to " + n + " games");
                                    }
                                }
                            }
                            replies.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failures.add("reader " + reader + ": " + e);
                    }
                    return null;
                }));
            }
            long gamesBefore;
            try {
                gatewayUses("caffeine");
                gatewayUses("redis");
                gatewayUses("two-level");
                gamesBefore = games.get();
                relay.cut();
                Wait.until("health DEGRADED while Redis is away", 30_000, () -> redisCaches() == HealthStatus.DEGRADED,
                        this::redisCachesHealth);
                long during = replies.get();
                Thread.sleep(3000);
                assertTrue("replies go on while Redis is away", replies.get() > during + 50);
                relay.restore();
                Wait.until("health UP once Redis is back", 30_000, () -> redisCaches() == HealthStatus.UP,
                        this::redisCachesHealth);
                gatewayUses("caffeine");
                Wait.until("games finished during the swaps", 120_000, () -> games.get() > gamesBefore);
            } finally {
                stop.set(true);
                pool.shutdown();
                assertTrue(pool.awaitTermination(150, TimeUnit.SECONDS));
            }
            for (Future<?> f : running) {
                f.get();
            }
            assertEquals("failures (first ones): " + failures.stream().limit(5).toList(), 0, failures.size());
            // Once the play has stopped, every profile shows every game its player finished.
            try (ProtocolClient c = ProtocolClient.hello(ws, "checker")) {
                List<Integer> shown = new java.util.concurrent.CopyOnWriteArrayList<>();
                Wait.until("every finished game counted and shown", 30_000, () -> {
                    shown.clear();
                    for (String who : players) {
                        Map<String, Object> profile = (Map<String, Object>) c.ok("profile", Map.of("player", who))
                                .get("profile");
                        shown.add(((Number) profile.get("gamesPlayed")).intValue());
                    }
                    return shown.stream().mapToInt(Integer::intValue).sum() == games.get();
                }, () -> "games finished " + games.get() + ", profiles show " + shown + ", stats "
                        + HealthChecks.find(context, "stats"));
            }
            System.out.println("CacheSwapIT: " + replies.get() + " replies to players across caffeine -> redis -> two-level"
                    + " (Redis cut for 3 s) -> caffeine while " + games.get() + " games finished, 0 failed");
        }
    }
}
