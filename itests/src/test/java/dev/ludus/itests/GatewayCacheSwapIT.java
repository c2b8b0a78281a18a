package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
import dev.ludus.api.cache.CacheStats;
import dev.ludus.api.cache.Caches;
import dev.ludus.api.health.HealthStatus;
import dev.ludus.testing.fixtures.ProtocolClient;
import dev.ludus.testing.fixtures.TcpRelay;

/**
 * The players' gateway reads through its cache while the cache implementation is switched under
 * it: while two players finish game after game (archive records and statistics written,
 * revisions changing), readers over the WebSocket ask for replays, profiles, histories and the
 * leaderboard as the gateway's {@code cache.target} goes Caffeine → Redis → two-level → Caffeine,
 * with Redis cut away for a few seconds in the two-level phase: every reply is ok, a replay is
 * the same whichever cache served it, no reader sees a player's figures go back (no stale
 * statistics), and once play stops every profile shows every game its player finished.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class GatewayCacheSwapIT {

    @Inject
    BundleContext context;

    @Inject
    ConfigurationAdmin configAdmin;

    @Inject
    ArchiveService archive;

    @Configuration
    public Option[] config() throws Exception {
        return ExamConfig.defaultFeatureSet("gateway-cache-swap", List.of("redis", "cache-redis"), Map.of(
                        "dev.ludus.rooms.cfg", "botThinkMillis = 20\n",
                        // the readers ask as fast as they are answered
                        "dev.ludus.gateway.cfg", "limits = off\nmessagesPerSecond = 100000\nmessageBurst = 100000\n"),
                frameworkProperty("ludus.itest.redis").value(ExamRedis.url(GatewayCacheSwapIT.class, 1)));
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
            SharedCachesFixture.throughRelay(configAdmin, context, relay, "ludus:itest:gw:");

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
                                Map<String, Object> now = (Map<String, Object>) ProtocolClient.result(r).get("game");
                                Map<String, Object> first = replays.putIfAbsent(game + "|" + seat, now);
                                if (first != null && !first.equals(now)) {
                                    // The game and its moves must be the same whichever cache served them.
                                    List<String> differ = new ArrayList<>();
                                    for (String k : new java.util.TreeSet<>(first.keySet())) {
                                        if (!java.util.Objects.equals(first.get(k), now.get(k))) {
                                            differ.add(k);
                                        }
                                    }
                                    System.out.println("GatewayCacheSwapIT: replay " + game + " seat " + seat
                                            + " answered differently in " + differ);
                                    for (String k : List.of("id", "type", "players", "events", "seat", "seats", "steps",
                                            "result")) {
                                        if (!java.util.Objects.equals(first.get(k), now.get(k))) {
                                            failures.add("replay " + game + " seat " + seat + ": " + k + " changed");
                                        }
                                    }
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
                            java.util.concurrent.locks.LockSupport.parkNanos(2_000_000); // leave CPU to the test beside
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
                SharedCachesFixture.await(context, HealthStatus.DEGRADED, "health DEGRADED while Redis is away");
                long during = replies.get();
                Thread.sleep(3000);
                assertTrue("replies go on while Redis is away", replies.get() > during + 50);
                relay.restore();
                SharedCachesFixture.await(context, HealthStatus.UP, "health UP once Redis is back");
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
            System.out.println("GatewayCacheSwapIT: " + replies.get() + " replies to players across caffeine -> redis -> two-level"
                    + " (Redis cut for 3 s) -> caffeine while " + games.get() + " games finished, 0 failed");
        }
    }
}
