package dev.ludus.gateway;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.limits.Decision;
import dev.ludus.api.limits.LimitPolicy;
import dev.ludus.api.limits.RateLimiter;

/**
 * The players' rate limits: which policy applies to a request, asked of the bound
 * {@link RateLimiter} (a limiter bundle: in memory, or shared through Redis), and the escalation of
 * a player who keeps being refused: a warning, then the connection closed (4003), then a ban. The
 * policies come from the gateway's configuration ({@code limit*} settings); a text that is not a
 * policy keeps the previous one for that name and is reported in health.
 */
final class RequestLimits {

    private static final Logger LOG = LoggerFactory.getLogger(RequestLimits.class);
    /** The window in which a player's refusals are counted towards the warning and the close. */
    static final long REFUSAL_WINDOW_MILLIS = 60_000;
    /** The window in which a player's closes are counted towards a ban. */
    static final long CLOSE_WINDOW_MILLIS = 600_000;

    /** What the gateway does with a request. */
    enum Mode {
        /** Ask the limiter and refuse what it refuses. */
        ENFORCE,
        /** Ask the limiter, count what it would refuse, refuse nothing. */
        SHADOW,
        /** Do not ask. */
        OFF
    }

    /** The policies in force and how they are applied; replaced whole when the settings change. */
    record Settings(Mode mode, boolean openWithoutLimiter, Map<String, LimitPolicy> policies, Map<String, LimitPolicy> actions,
                    int warnAt, int closeAt, int banAfterCloses, long banMillis, Map<String, String> refused) {

        LimitPolicy policy(String name) {
            return policies.get(name);
        }
    }

    /** A refusal to answer: the policy that refused and how long to wait. */
    record Refusal(String policy, long retryAfterMillis, boolean blocked) {
    }

    /** A player's refusals and closes, for the escalation; guarded by itself. */
    private static final class Record {
        /** Refusals since the record was made (it goes when the player has been quiet for the windows). */
        long total;
        long lastRefusedAt;
        long windowStart;
        int refusals;
        boolean warned;
        final List<Long> closes = new ArrayList<>(2);
        long bannedUntil;
    }

    private volatile Settings settings;
    private volatile RateLimiter limiter;
    private volatile String limiterName;
    /** Refusals of sessions by address: {count, last refused at}; bounded, forgotten when quiet. */
    private final Map<String, long[]> addresses = new ConcurrentHashMap<>();
    static final int MAX_ADDRESSES = 10_000;
    static final int TOP = 10;
    private final Map<String, Record> players = new ConcurrentHashMap<>();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong shadowRefused = new AtomicLong();
    private final Map<String, AtomicLong> refusedByPolicy = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> shadowByPolicy = new ConcurrentHashMap<>();

    private final GatewayMetrics metrics;

    RequestLimits(GatewayConfig cfg, GatewayMetrics metrics) {
        this.metrics = metrics;
        settings = read(cfg, null);
    }

    void configure(GatewayConfig cfg) {
        settings = read(cfg, settings);
    }

    void limiter(RateLimiter l) {
        limiter(l, l == null ? null : l.getClass().getName());
    }

    /** Binds {@code l}, known to operators as {@code name} (its {@code ludus.limiter} property). */
    void limiter(RateLimiter l, String name) {
        limiterName = l == null ? null : name;
        limiter = l;
    }

    String limiterName() {
        return limiterName;
    }

    RateLimiter limiter() {
        return limiter;
    }

    Settings settings() {
        return settings;
    }

    // ---------------------------------------------------------------- settings

    static final String CREATE_ROOM = "create_room";
    static final String JOIN_ROOM = "join_room";
    static final String START = "start";
    static final String ACT = "act";
    static final String PING = "ping";
    static final String ROOM_MESSAGES = "room_messages";
    static final String PLAYER_MESSAGES = "player_messages";
    static final String HELLO_PER_ADDRESS = "hello_per_address";

    /** Reads the policies from the settings; a policy that cannot be read keeps its previous value (or none). */
    static Settings read(GatewayConfig cfg, Settings previous) {
        Map<String, String> refusedNow = new LinkedHashMap<>();
        Map<String, LimitPolicy> p = new LinkedHashMap<>();
        put(p, refusedNow, previous, CREATE_ROOM, cfg.limitCreateRoom());
        put(p, refusedNow, previous, JOIN_ROOM, cfg.limitJoinRoom());
        put(p, refusedNow, previous, START, cfg.limitStart());
        put(p, refusedNow, previous, ACT, cfg.limitAct());
        put(p, refusedNow, previous, PING, cfg.limitPing());
        put(p, refusedNow, previous, ROOM_MESSAGES, cfg.limitRoomMessages());
        put(p, refusedNow, previous, PLAYER_MESSAGES, cfg.limitPlayerMessages());
        put(p, refusedNow, previous, HELLO_PER_ADDRESS, cfg.limitHelloPerAddress());
        Map<String, LimitPolicy> actions = new LinkedHashMap<>();
        eachActionLimit(cfg.limitActions(), "act.", actions::put, (action, error) -> {
            refusedNow.put("act." + action, error);
            if (previous != null && previous.actions().containsKey(action)) {
                actions.put(action, previous.actions().get(action));
            }
        });
        Mode mode;
        try {
            mode = Mode.valueOf(cfg.limits().strip().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            refusedNow.put("limits", "limits: '" + cfg.limits() + "' is not enforce, shadow or off");
            mode = previous == null ? Mode.ENFORCE : previous.mode();
        }
        for (String why : refusedNow.values()) {
            LOG.warn("configuration {} refused (limit_policy_refused): {}; the previous value stays", WebSocketGateway.PID, why);
        }
        return new Settings(mode, !"closed".equalsIgnoreCase(cfg.limitsWithoutLimiter().strip()), Map.copyOf(p),
                java.util.Collections.unmodifiableMap(actions), Math.max(1, cfg.limitWarnAt()), Math.max(1, cfg.limitCloseAt()),
                Math.max(0, cfg.banAfterCloses()), Math.max(0, cfg.banSeconds()) * 1000L, Map.copyOf(refusedNow));
    }

    private static void put(Map<String, LimitPolicy> into, Map<String, String> refusedNow, Settings previous, String name,
                            String spec) {
        try {
            LimitPolicy p = LimitPolicy.parse(name, spec);
            if (p != null) {
                into.put(name, p);
            }
        } catch (IllegalArgumentException e) {
            refusedNow.put(name, e.getMessage());
            LimitPolicy old = previous == null ? null : previous.policy(name);
            if (old != null) {
                into.put(name, old);
            }
        }
    }

    // ---------------------------------------------------------------- deciding

    /**
     * Asks the limiter about {@code policy} for {@code key}; null when the request may go on. A
     * policy that is off, the gateway's mode {@code off}, and a shadow refusal (counted) all answer
     * null. Without a limiter: null when the settings say open, else a refusal of one second.
     */
    Refusal check(String policyName, String key) {
        Settings s = settings;
        if (s.mode() == Mode.OFF) {
            return null;
        }
        LimitPolicy policy = s.policy(policyName);
        return policy == null ? null : check(s, policy, key);
    }

    /**
     * The policy of an action: the operator's limit of that action when the settings name it, else
     * the limit its game declares ({@code gameType} may be null: not known yet), else {@code act}.
     */
    Refusal checkAction(String gameType, String action, String key) {
        Settings s = settings;
        if (s.mode() == Mode.OFF) {
            return null;
        }
        LimitPolicy policy;
        if (s.actions().containsKey(action)) {
            policy = s.actions().get(action);
        } else {
            Map<String, LimitPolicy> declared = gameType == null ? null : games.get(gameType);
            policy = declared != null && declared.containsKey(action) ? declared.get(action) : s.policy(ACT);
        }
        return policy == null ? null : check(s, policy, key);
    }

    // ---------------------------------------------------------------- limits games declare

    /** The service property in which a game bundle declares its actions' limits: {@code ACTION=LIMIT, …}. */
    static final String GAME_LIMITS = "ludus.game.limits";

    /** Game type → action → the limit its game declares (null: none); policies named {@code act.<type>.<action>}. */
    private final Map<String, Map<String, LimitPolicy>> games = new ConcurrentHashMap<>();
    /** Declarations that could not be read, by game type: a game's declaration is all or nothing. */
    private final Map<String, String> gamesRefused = new ConcurrentHashMap<>();

    /** A game bundle's declaration, from its {@code GameDefinition} service's properties; replaces any before. */
    void game(String type, Object declared) {
        if (type == null) {
            return;
        }
        gamesRefused.remove(type);
        if (declared == null) {
            games.remove(type);
            return;
        }
        String text = declared instanceof String[] a ? String.join(",", a) : declared.toString();
        Map<String, LimitPolicy> out = new LinkedHashMap<>();
        Map<String, String> errors = new LinkedHashMap<>();
        eachActionLimit(text, "act." + type + ".", out::put, errors::put);
        if (errors.isEmpty()) {
            games.put(type, java.util.Collections.unmodifiableMap(out));
        } else {
            String why = String.join("; ", errors.values());
            games.remove(type);
            gamesRefused.put(type, why);
            LOG.warn("game {}: its {} cannot be read ({}); its actions get the act limit", type, GAME_LIMITS, why);
        }
    }

    /**
     * Reads {@code ACTION=LIMIT} entries separated by commas, as the {@code limitActions} setting and
     * a game's {@link #GAME_LIMITS} write them: each action's policy, named {@code prefix + action}
     * (null for {@code off}), to {@code limit}; each entry that cannot be read to {@code refused}
     * with the reason.
     */
    static void eachActionLimit(String text, String prefix, java.util.function.BiConsumer<String, LimitPolicy> limit,
                                java.util.function.BiConsumer<String, String> refused) {
        for (String entry : text.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            int eq = entry.indexOf('=');
            String action = eq < 0 ? entry.strip() : entry.substring(0, eq).strip();
            String name = prefix + action;
            if (eq < 0 || action.isEmpty()) {
                refused.accept(action, "policy " + name + ": '" + entry.strip() + "' is not ACTION=LIMIT, for example play=20/1m");
                continue;
            }
            try {
                limit.accept(action, LimitPolicy.parse(name, entry.substring(eq + 1)));
            } catch (IllegalArgumentException e) {
                refused.accept(action, e.getMessage());
            }
        }
    }

    /** A game bundle went away: its declaration goes too. */
    void gameGone(String type) {
        if (type != null) {
            games.remove(type);
            gamesRefused.remove(type);
        }
    }

    /** Declarations of games that could not be read, by game type. */
    Map<String, String> gamesRefused() {
        return Map.copyOf(gamesRefused);
    }

    /** What a key limits, for the metrics: the part before its colon ({@code player}, {@code address}, {@code room}). */
    static String keyKind(String key) {
        int colon = key.indexOf(':');
        return colon > 0 ? key.substring(0, colon) : "other";
    }

    private Refusal check(Settings s, LimitPolicy policy, String key) {
        RateLimiter l = limiter;
        if (l == null) {
            return s.openWithoutLimiter() ? null : new Refusal(policy.name(), 1000, false);
        }
        Decision d;
        long started = System.nanoTime();
        try {
            d = l.acquire(policy, key, 1);
            metrics.limitDecision.update(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) {
            metrics.limitErrors.inc();
            // A limiter that fails answers by the same rule as no limiter; its own failure policy
            // (a shared limiter's fallback) has already had its chance.
            LOG.debug("gateway: the rate limiter failed on {} {}: {}", policy.name(), key, e.toString());
            return s.openWithoutLimiter() ? null : new Refusal(policy.name(), 1000, false);
        }
        if (d.allowed() && !d.shadowed()) {
            return null;
        }
        if (d.shadowed() || s.mode() == Mode.SHADOW) {
            shadowRefused.incrementAndGet();
            shadowByPolicy.computeIfAbsent(policy.name(), k -> new AtomicLong()).incrementAndGet();
            metrics.limitRefused(policy.name(), keyKind(key), true);
            return null;
        }
        refused.incrementAndGet();
        metrics.limitRefused(policy.name(), keyKind(key), false);
        refusedByPolicy.computeIfAbsent(policy.name(), k -> new AtomicLong()).incrementAndGet();
        return new Refusal(policy.name(), d.retryAfterMillis(), d.blocked());
    }

    // ---------------------------------------------------------------- escalation

    /** What follows a player's refusal. */
    enum Step {
        /** Only the refusal. */
        REFUSE,
        /** The refusal and a warning that more will close the connection. */
        WARN,
        /** Close the connection (4003). */
        CLOSE
    }

    /** Counts a refusal of {@code playerId} at {@code now}; says what follows. */
    Step refusedPlayer(String playerId, long now) {
        Settings s = settings;
        Record r = players.computeIfAbsent(playerId, k -> new Record());
        synchronized (r) {
            if (now - r.windowStart > REFUSAL_WINDOW_MILLIS) {
                r.windowStart = now;
                r.refusals = 0;
                r.warned = false;
            }
            r.refusals++;
            r.total++;
            r.lastRefusedAt = now;
            if (r.refusals >= s.closeAt()) {
                r.refusals = 0;
                r.warned = false;
                return Step.CLOSE;
            }
            if (r.refusals >= s.warnAt() && !r.warned) {
                r.warned = true;
                return Step.WARN;
            }
            return Step.REFUSE;
        }
    }

    /**
     * Counts a close of {@code playerId} for refusals; true when it bans the player (for the
     * configured time, from {@code now}).
     */
    boolean closedPlayer(String playerId, long now) {
        Settings s = settings;
        Record r = players.computeIfAbsent(playerId, k -> new Record());
        synchronized (r) {
            r.closes.removeIf(t -> now - t > CLOSE_WINDOW_MILLIS);
            r.closes.add(now);
            if (s.banAfterCloses() > 0 && s.banMillis() > 0 && r.closes.size() >= s.banAfterCloses()) {
                r.closes.clear();
                r.bannedUntil = now + s.banMillis();
                return true;
            }
            return false;
        }
    }

    /** Millis until {@code playerId}'s ban ends, or 0 when not banned. */
    long bannedFor(String playerId, long now) {
        Record r = players.get(playerId);
        if (r == null) {
            return 0;
        }
        synchronized (r) {
            return Math.max(0, r.bannedUntil - now);
        }
    }

    /** Lifts a ban and forgets the player's refusals; true if there was a ban. */
    boolean unban(String playerId, long now) {
        Record r = players.remove(playerId);
        return r != null && r.bannedUntil > now;
    }

    /** Players banned now, with the millis left. */
    Map<String, Long> banned(long now) {
        Map<String, Long> out = new LinkedHashMap<>();
        players.forEach((id, r) -> {
            synchronized (r) {
                if (r.bannedUntil > now) {
                    out.put(id, r.bannedUntil - now);
                }
            }
        });
        return out;
    }

    /** Counts a refused session of {@code address} (bounded: past {@link #MAX_ADDRESSES} new ones are not counted). */
    void refusedAddress(String address, long now) {
        long[] c = addresses.get(address);
        if (c == null) {
            if (addresses.size() >= MAX_ADDRESSES) {
                return;
            }
            c = addresses.computeIfAbsent(address, k -> new long[2]);
        }
        synchronized (c) {
            c[0]++;
            c[1] = now;
        }
    }

    /** The limits as operators see them. */
    dev.ludus.api.gateway.RateLimitStatus status(long now) {
        Settings s = settings;
        List<dev.ludus.api.gateway.RateLimitStatus.Policy> policies = new ArrayList<>();
        s.policies().values().forEach(p -> policies.add(policy(p)));
        s.actions().values().stream().filter(java.util.Objects::nonNull).forEach(p -> policies.add(policy(p)));
        games.values().forEach(m -> m.values().stream().filter(java.util.Objects::nonNull).forEach(p -> policies.add(policy(p))));
        List<dev.ludus.api.gateway.RateLimitStatus.Count> players = new ArrayList<>();
        this.players.forEach((id, r) -> {
            synchronized (r) {
                if (r.total > 0) {
                    players.add(new dev.ludus.api.gateway.RateLimitStatus.Count(id, r.total));
                }
            }
        });
        List<dev.ludus.api.gateway.RateLimitStatus.Count> addrs = new ArrayList<>();
        addresses.forEach((a, c) -> {
            synchronized (c) {
                addrs.add(new dev.ludus.api.gateway.RateLimitStatus.Count(a, c[0]));
            }
        });
        return new dev.ludus.api.gateway.RateLimitStatus(s.mode().name().toLowerCase(java.util.Locale.ROOT), limiterName,
                policies, top(players), top(addrs), banned(now), refusedSettings(s));
    }

    private Map<String, String> refusedSettings(Settings s) {
        Map<String, String> all = new LinkedHashMap<>(s.refused());
        gamesRefused.forEach((type, why) -> all.put(GAME_LIMITS + " of " + type, why));
        return all;
    }

    private dev.ludus.api.gateway.RateLimitStatus.Policy policy(LimitPolicy p) {
        AtomicLong refusedNow = refusedByPolicy.get(p.name());
        AtomicLong shadowNow = shadowByPolicy.get(p.name());
        return new dev.ludus.api.gateway.RateLimitStatus.Policy(p.name(), p.spec(), refusedNow == null ? 0 : refusedNow.get(),
                shadowNow == null ? 0 : shadowNow.get());
    }

    private static List<dev.ludus.api.gateway.RateLimitStatus.Count> top(List<dev.ludus.api.gateway.RateLimitStatus.Count> all) {
        all.sort(java.util.Comparator.comparingLong(dev.ludus.api.gateway.RateLimitStatus.Count::count).reversed()
                .thenComparing(dev.ludus.api.gateway.RateLimitStatus.Count::key));
        return all.subList(0, Math.min(TOP, all.size()));
    }

    /** Forgets players with nothing left to remember (no ban, no recent refusal or close). */
    void sweep(long now) {
        addresses.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                return now - e.getValue()[1] > CLOSE_WINDOW_MILLIS;
            }
        });
        players.entrySet().removeIf(e -> {
            Record r = e.getValue();
            synchronized (r) {
                return r.bannedUntil <= now && now - r.lastRefusedAt > CLOSE_WINDOW_MILLIS
                        && r.closes.stream().allMatch(t -> now - t > CLOSE_WINDOW_MILLIS);
            }
        });
    }

    /** Refusals by policy, for health. */
    Map<String, Long> refusedByPolicy() {
        Map<String, Long> out = new LinkedHashMap<>();
        refusedByPolicy.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }
}
