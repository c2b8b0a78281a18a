package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.Test;

import dev.ludus.testing.fixtures.ProtocolClient;

/**
 * A graceful stop under play: the distribution runs bot games (the bot-load example, every
 * acknowledgement logged) and players on {@code /ws}, each in a Liap Tui game against three bots,
 * and is stopped by SIGTERM. Every player must be closed with 1012 (none dropped without a close
 * code), the process must exit 0 within the stop timeout, and after the restart every player
 * resumes with its token and plays its game to the end, while every bot game is back at (or after)
 * its last acknowledged action with no action applied twice. The console's "Drain and stop" is
 * checked to take the same path (players closed with 1012, exit 0).
 */
public class DrainIT {

    static final int ROOMS = 100;
    static final int PLAYERS = 12;

    @Test
    public void sigtermDrainsAndEveryPlayerResumesAfterTheRestart() throws Exception {
        drainUnderPlay("SIGTERM", d -> d.process().destroy());
    }

    /**
     * The console's "Drain and stop" goes the same way as SIGTERM (the framework stops; the gateway
     * drains as it stops): refused without the box ticked, then players closed with 1012 and exit 0.
     * What comes after the restart is the SIGTERM test's; this one checks the button's path.
     */
    @Test
    public void theConsolesStopButtonDrainsTheSameWay() throws Exception {
        try (Distribution d = Distribution.copy()) {
            d.env.put("LUDUS_CONSOLE_PASSWORD", "drain-test-password-1234");
            Files.writeString(d.home.resolve("conf/dev.ludus.rooms.cfg"), "botThinkMillis = 20\n");
            d.start().awaitHealthy();
            d.awaitGateway();
            URI ws = URI.create("ws://127.0.0.1:" + d.port + "/ws");
            int players = 3;
            CountDownLatch playing = new CountDownLatch(players);
            Map<Integer, Integer> closeCodes = new ConcurrentHashMap<>();
            AtomicInteger refusedDraining = new AtomicInteger();
            AtomicInteger unanswered = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(players);
            try {
                for (int i = 0; i < players; i++) {
                    int n = i;
                    pool.submit(() -> {
                        ProtocolClient c = ProtocolClient.hello(ws, "button-" + n);
                        LiapTuiPlayer.startAgainstBots(c, "button " + n, Map.of("maxRounds", "5"));
                        LiapTuiPlayer.play(c, 60_000, 2);
                        playing.countDown();
                        playSlowlyUntilClosed(c, n, refusedDraining, unanswered);
                        closeCodes.put(n, c.closeCode());
                        return null;
                    });
                }
                assertTrue("every player made its first moves", playing.await(90, TimeUnit.SECONDS));
                Http.Response refused = Http.postForm(d.base() + "/system/console/ludus.json", "admin", d.password(), "Origin",
                        d.base(), Map.of("action", "stop_node"));
                assertEquals(refused.body(), 400, refused.status());
                assertTrue(refused.body(), refused.body().contains("not_confirmed"));
                assertTrue("an unconfirmed stop changes nothing", d.process().isAlive());
                Http.Response done = Http.postForm(d.base() + "/system/console/ludus.json", "admin", d.password(), "Origin",
                        d.base(), Map.of("action", "stop_node", "confirm", "stop"));
                assertEquals(done.body(), 200, done.status());
                int code = d.awaitExit(15, TimeUnit.SECONDS);
                assertEquals(d.output(), 0, code);
                assertTrue(d.output(), d.output().contains("gateway: drained in"));
                Wait.until("every player closed", 10_000, () -> closeCodes.size() == players);
                System.out.println("drain test (console): players closed with " + closeCodes.values());
                assertEquals("players closed with something else than 1012: " + closeCodes, List.of(1012, 1012, 1012),
                        List.copyOf(closeCodes.values()));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * Plays one move every 300 ms (so the game outlasts the stop), each answered before the next,
     * until the connection closes; returns the moves the server accepted. A move refused with
     * {@code draining}, or sent as the close came and never answered, is counted: neither was
     * applied, and the player makes it again on the view it gets when it resumes.
     */
    @SuppressWarnings("unchecked")
    private static int playSlowlyUntilClosed(ProtocolClient c, int n, AtomicInteger refusedDraining,
                                             AtomicInteger unanswered) throws Exception {
        long end = System.currentTimeMillis() + 120_000;
        long actedOn = -1;
        int moves = 0;
        while (!c.isClosed()) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("player " + n + ": no close within 120 s");
            }
            if (c.messages().stream().anyMatch(ProtocolClient::isGameOver)) {
                throw new AssertionError("player " + n + "'s game ended before the stop; make it longer");
            }
            Map<String, Object> view = c.latestView();
            List<String> allowed = view == null ? List.of() : (List<String>) view.get("allowedActions");
            long seq = view == null ? -1 : ((Number) view.get("seq")).longValue();
            if (allowed.isEmpty() || seq <= actedOn) {
                Thread.sleep(20);
                continue;
            }
            actedOn = seq;
            Thread.sleep(300);
            int from = c.count();
            String id;
            try {
                id = c.send("act", LiapTuiPlayer.move(view, allowed));
            } catch (Exception closing) {
                break; // the close came first: nothing was sent
            }
            Map<String, Object> reply;
            try {
                reply = c.awaitAfter(from, "reply " + id, m -> id.equals(m.get("id")), 15_000);
            } catch (AssertionError closed) {
                if (!c.isClosed()) {
                    throw closed;
                }
                unanswered.incrementAndGet();
                break;
            }
            if ("ok".equals(reply.get("type"))) {
                moves++;
            } else if ("draining".equals(reply.get("code"))) {
                refusedDraining.incrementAndGet();
            }
            // Any other refusal is of a view a bot's move made old (the seat's bot never moves while
            // the player is here, but a view may still be a step behind): the next view is acted on.
        }
        assertTrue("player " + n + " closed", c.awaitClosed(15_000));
        return moves;
    }

    interface Stop {
        void stop(Distribution d) throws Exception;
    }

    private void drainUnderPlay(String how, Stop stop) throws Exception {
        try (Distribution d = Distribution.copy()) {
            d.env.put("LUDUS_CONSOLE_PASSWORD", "drain-test-password-1234");
            Path acks = d.home.getParent().resolve("acks.log");
            Path report = d.home.getParent().resolve("report.txt");
            Files.writeString(d.home.resolve("conf/dev.ludus.rooms.cfg"), "botThinkMillis = 20\n");
            // The players move as fast as the server answers after the restart: the rate limits
            // would (rightly) refuse some of those moves.
            Files.writeString(d.home.resolve("conf/dev.ludus.gateway.cfg"), "limits = off\n");
            Path cfg = d.deployBotLoad("rooms = " + ROOMS + "\nackLog = " + acks + "\n");
            d.start().awaitHealthy();
            d.awaitGateway();
            URI ws = URI.create("ws://127.0.0.1:" + d.port + "/ws");

            CountDownLatch playing = new CountDownLatch(PLAYERS);
            CountDownLatch restarted = new CountDownLatch(1);
            Map<Integer, Integer> closeCodes = new ConcurrentHashMap<>();
            AtomicInteger resumed = new AtomicInteger();
            AtomicInteger refusedDraining = new AtomicInteger();
            AtomicInteger unanswered = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(PLAYERS);
            List<Future<Integer>> players = new ArrayList<>();
            try {
                for (int i = 0; i < PLAYERS; i++) {
                    int n = i;
                    players.add(pool.submit(() -> {
                        ProtocolClient c = ProtocolClient.hello(ws, "drain-" + n);
                        LiapTuiPlayer.startAgainstBots(c, "drain " + n, Map.of("maxRounds", "5"));
                        int moves = LiapTuiPlayer.play(c, 60_000, 3);
                        playing.countDown();
                        moves += playSlowlyUntilClosed(c, n, refusedDraining, unanswered);
                        closeCodes.put(n, c.closeCode());
                        restarted.await();
                        ProtocolClient back = c.resume(ws);
                        resumed.incrementAndGet();
                        moves += LiapTuiPlayer.play(back, 180_000, -1);
                        back.close();
                        return moves;
                    }));
                }
                assertTrue("every player made its first moves", playing.await(90, TimeUnit.SECONDS));
                Wait.until("every bot room acknowledged moves", 60_000,
                        () -> Files.exists(acks) && AckLog.maxAcked(acks).size() == ROOMS);

                long stopAt = System.nanoTime();
                stop.stop(d);
                int code = d.awaitExit(15, TimeUnit.SECONDS);
                long stopMillis = (System.nanoTime() - stopAt) / 1_000_000;
                String firstRun = d.output();
                assertEquals(firstRun, 0, code);
                assertTrue(firstRun, firstRun.contains("gateway: drained in"));
                Map<String, Long> acked = AckLog.maxAcked(acks);
                Wait.until("every player closed", 10_000, () -> closeCodes.size() == PLAYERS);
                long without1012 = closeCodes.values().stream().filter(c -> c != 1012).count();

                Files.writeString(cfg, "rooms = 0\nackLog = " + acks + "\nreport = " + report + "\n");
                long restartAt = System.nanoTime();
                d.start().awaitHealthy();
                d.awaitGateway();
                long readyMillis = (System.nanoTime() - restartAt) / 1_000_000;
                restarted.countDown();
                int moves = 0;
                for (Future<Integer> p : players) {
                    moves += p.get(240, TimeUnit.SECONDS);
                }
                Wait.until("the recovery report", 90_000, () -> Files.exists(report));
                AckLog.Outcome o = AckLog.check(report, acked, acks);
                System.out.println("drain test (" + how + "): stopped in " + stopMillis + " ms, exit " + code + "; "
                        + PLAYERS + " players closed with " + closeCodes.values() + " (" + without1012 + " without 1012), "
                        + resumed.get() + " resumed and finished their games (" + moves + " moves; " + refusedDraining.get()
                        + " refused with draining, " + unanswered.get() + " sent as the close came, unanswered); ready again in "
                        + readyMillis + " ms; bot games: " + o);
                assertEquals("players closed with something else than 1012: " + closeCodes, 0, without1012);
                assertEquals(PLAYERS, resumed.get());
                assertEquals(ROOMS, o.rooms());
                assertEquals("rooms missing after restart", 0, o.missing());
                assertEquals("rooms behind their last acknowledged version", 0, o.lost());
                assertEquals("rooms whose engine applied a different number of actions than recorded", 0, o.twice());
            } finally {
                restarted.countDown();
                pool.shutdownNow();
            }
            d.process().destroy();
            assertEquals(d.output(), 0, d.awaitExit(15, TimeUnit.SECONDS));
        }
    }
}
