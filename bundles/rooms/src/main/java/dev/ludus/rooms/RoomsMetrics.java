package dev.ludus.rooms;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

import dev.ludus.api.metrics.MetricLabels;
import dev.ludus.api.metrics.MetricName;
import dev.ludus.api.metrics.RunningTotal;
import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomState;
import dev.ludus.api.rooms.SeatInfo;

/**
 * The rooms runtime's series in the node's {@link MetricRegistry}, each labelled with this
 * bundle's symbolic name and version:
 *
 * <ul>
 * <li>{@code ludus_rooms_rooms{game,state}} (gauge): rooms held, by game type and state;</li>
 * <li>{@code ludus_rooms_players_seated}, {@code ludus_rooms_players_connected} (gauges): people
 * (not bots) in the seats of rooms not finished, and those of them connected;</li>
 * <li>{@code ludus_rooms_actions{game,action,result}} (counter): players' actions by the game's
 * action type ({@code other} for a type the game does not declare) and result ({@code accepted},
 * or the refusal's code);</li>
 * <li>{@code ludus_rooms_action_seconds{game}} (timer): from a player's action reaching the
 * runtime to its acknowledgement, which follows the append, the fsync and the broadcast;</li>
 * <li>{@code ludus_rooms_bot_moves{cause}} (counter): moves made for a seat ({@code bot},
 * {@code idle}, {@code away}, {@code timer});</li>
 * <li>{@code ludus_rooms_wake_lag_seconds} (timer): how late a bot's or timer's wake-up ran after
 * its deadline;</li>
 * <li>{@code ludus_rooms_recovery_seconds}, {@code ludus_rooms_recovered_rooms},
 * {@code ludus_rooms_finished_rooms_to_restore} (gauges);</li>
 * <li>{@code ludus_rooms_stalls_repaired} (counter, read from the runtime's running total): stalled
 * rooms the runtime's check found and decided again.</li>
 * </ul>
 *
 * <p>Label values stay few: game types installed, states, declared action types, refusal codes,
 * causes. The room gauges read one count of the rooms, taken at most once a second.
 */
final class RoomsMetrics {

    static final String PREFIX = "ludus_rooms_";
    /** Records nothing (no registry bound). */
    static final RoomsMetrics NONE = new RoomsMetrics();

    private final MetricRegistry registry;
    private final Map<String, String> labels;
    private final RoomsContext ctx;
    private final Map<String, Counter> actions = new ConcurrentHashMap<>();
    private final Map<String, Timer> actionTimes = new ConcurrentHashMap<>();
    private final Map<String, Counter> botMoves = new ConcurrentHashMap<>();
    private final Timer wakeLag;
    private final Set<String> gamesShown = new HashSet<>();
    private volatile Counts counts;

    private RoomsMetrics() {
        registry = null;
        labels = Map.of();
        ctx = null;
        wakeLag = null;
    }

    RoomsMetrics(MetricRegistry registry, String bundle, String version, RoomsContext ctx, Recovery recovery) {
        this.registry = registry;
        this.labels = Map.of(MetricLabels.BUNDLE, bundle, MetricLabels.BUNDLE_VERSION, version);
        this.ctx = ctx;
        remove(); // what an earlier instance may have left
        wakeLag = registry.timer(name("wake_lag_seconds").toString());
        gauge(name("players_seated"), c -> c.seated);
        gauge(name("players_connected"), c -> c.connected);
        registry.register(name("recovery_seconds").toString(),
                (Gauge<Double>) () -> recovery.millis() < 0 ? 0.0 : recovery.millis() / 1000.0);
        gauge(name("recovered_rooms"), c -> recovery.recoveredRooms());
        gauge(name("finished_rooms_to_restore"), c -> ctx.asleep.size());
        registry.register(name("stalls_repaired").toString(), new RunningTotal(ctx.stallsRepaired::get));
        registry.register(name("slow_appends").toString(), new RunningTotal(ctx.slowAppends::get));
        gamesChanged();
    }

    boolean recording() {
        return registry != null;
    }

    MetricRegistry registry() {
        return registry;
    }

    private MetricName name(String what) {
        return MetricName.of(PREFIX + what, labels);
    }

    private void gauge(MetricName name, ToLongFunction<Counts> figure) {
        registry.register(name.toString(), (Gauge<Long>) () -> figure.applyAsLong(counts()));
    }

    /** Adds the room gauges of games just installed and drops those of games gone. Any thread. */
    synchronized void gamesChanged() {
        if (registry == null) {
            return;
        }
        Set<String> now = new HashSet<>(ctx.games.keySet());
        for (String game : now) {
            if (gamesShown.add(game)) {
                for (RoomState state : RoomState.values()) {
                    gauge(name("rooms").with("game", game).with("state", state.name()),
                            c -> c.rooms.getOrDefault(game, Map.of()).getOrDefault(state, 0L));
                }
            }
        }
        for (String game : Set.copyOf(gamesShown)) {
            if (!now.contains(game)) {
                gamesShown.remove(game);
                for (RoomState state : RoomState.values()) {
                    registry.remove(name("rooms").with("game", game).with("state", state.name()).toString());
                }
            }
        }
    }

    /** A player's action was answered {@code result} ("accepted" or a refusal code) after {@code nanos}. */
    void action(String game, String action, String result, long nanos) {
        if (registry == null) {
            return;
        }
        String g = game == null ? "unknown" : game;
        actions.computeIfAbsent(g + '\u0000' + action + '\u0000' + result, k -> registry.counter(
                name("actions").with("game", g).with("action", action).with("result", result).toString())).inc();
        actionTimes.computeIfAbsent(g, k -> registry.timer(name("action_seconds").with("game", g).toString()))
                .update(nanos, TimeUnit.NANOSECONDS);
    }

    /** A move made for a seat, with the record's cause. */
    void botMove(String cause) {
        if (registry == null) {
            return;
        }
        botMoves.computeIfAbsent(cause, c -> registry.counter(name("bot_moves").with("cause", c).toString())).inc();
    }

    /** A wake-up ran {@code lateMillis} after its deadline. */
    void wakeLag(long lateMillis) {
        if (registry != null) {
            wakeLag.update(Math.max(0, lateMillis), TimeUnit.MILLISECONDS);
        }
    }

    /** Takes every series of the rooms runtime out of the registry. */
    void remove() {
        if (registry != null) {
            registry.removeMatching((name, metric) -> name.startsWith(PREFIX));
        }
    }

    // ---------------------------------------------------------------- the room count

    private record Counts(long at, Map<String, Map<RoomState, Long>> rooms, long seated, long connected) {
    }

    private Counts counts() {
        Counts c = counts;
        long now = System.nanoTime();
        if (c != null && now - c.at() < TimeUnit.SECONDS.toNanos(1)) {
            return c;
        }
        Map<String, Map<RoomState, Long>> rooms = new HashMap<>();
        long seated = 0;
        long connected = 0;
        for (LiveRoom live : ctx.rooms.values()) {
            RoomInfo i = live.info;
            if (i == null) {
                continue;
            }
            rooms.computeIfAbsent(i.gameType(), g -> new EnumMap<>(RoomState.class)).merge(i.state(), 1L, Long::sum);
            if (i.state() != RoomState.FINISHED) {
                for (SeatInfo s : i.seats()) {
                    if (!s.bot() && s.playerId() != null) {
                        seated++;
                        if (s.connected()) {
                            connected++;
                        }
                    }
                }
            }
        }
        c = new Counts(now, rooms, seated, connected);
        counts = c;
        return c;
    }
}
