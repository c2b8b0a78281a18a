package dev.ludus.gateway;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

import dev.ludus.api.metrics.MetricLabels;
import dev.ludus.api.metrics.MetricName;
import dev.ludus.api.metrics.SummingTimer;

/**
 * The gateway's counts and times. They live as long as the gateway, feed its health details, and
 * are put into the node's {@link MetricRegistry} while one is bound (so a swap of the metrics
 * bundle loses no count), each series labelled with this bundle's symbolic name and version:
 *
 * <ul>
 * <li>{@code ludus_gateway_connections}, {@code ludus_gateway_players}, {@code ludus_gateway_outbound_bytes}
 * (gauges): open connections, sessions, bytes queued to clients;</li>
 * <li>{@code ludus_gateway_connections_opened} (counter);</li>
 * <li>{@code ludus_gateway_upgrades_refused{reason}} ({@code origin}, {@code host}, {@code address}, {@code full});</li>
 * <li>{@code ludus_gateway_messages{direction}}, {@code ludus_gateway_message_bytes{direction}}
 * ({@code in}, {@code out}; bytes of UTF-8);</li>
 * <li>{@code ludus_gateway_requests_refused{reason}} ({@code rate_limited}, {@code too_large}, {@code bad_request});</li>
 * <li>{@code ludus_gateway_closes{code}}: every closed connection by its close code;</li>
 * <li>{@code ludus_gateway_request_seconds{type}} (timer): request to reply, by request type (an
 * {@code act} waits for the event store, the engine and the broadcast), with an exact sum;</li>
 * <li>{@code ludus_gateway_resumes{with}} ({@code events}, {@code snapshot}), {@code ludus_gateway_sessions_expired},
 * {@code ludus_gateway_players_caught_up} (counters).</li>
 * </ul>
 */
final class GatewayMetrics {

    static final String PREFIX = "ludus_gateway_";

    final Counter opened = new Counter();
    final Counter messagesIn = new Counter();
    final Counter bytesIn = new Counter();
    final Counter messagesOut = new Counter();
    final Counter bytesOut = new Counter();
    final Counter rateLimited = new Counter();
    final Counter tooLarge = new Counter();
    final Counter badRequests = new Counter();
    final Counter slowClosed = new Counter();
    final Counter floodClosed = new Counter();
    final Counter idleClosed = new Counter();
    final Counter refused = new Counter();
    final Counter refusedAddress = new Counter();
    final Counter refusedOrigin = new Counter();
    final Counter refusedHost = new Counter();
    final Counter resumedWithEvents = new Counter();
    final Counter resumedWithSnapshot = new Counter();
    final Counter expired = new Counter();
    final Counter caughtUp = new Counter();
    /** From an action's arrival to its reply being queued. */
    final Timer act = new SummingTimer();

    private final Map<String, Timer> requests = new ConcurrentHashMap<>(Map.of("act", act));
    private final Map<Integer, Counter> closes = new ConcurrentHashMap<>();
    /** Rate-limit decisions that refused, and that a shadow policy (or mode) let through, by policy and key kind. */
    private final Map<String, Counter> limitRefused = new ConcurrentHashMap<>();
    private final Map<String, Counter> limitShadowRefused = new ConcurrentHashMap<>();
    /** The rate limiter's answers, timed from the call to the answer. */
    final Timer limitDecision = new SummingTimer();
    /** Calls to the rate limiter that failed (answered as without a limiter). */
    final Counter limitErrors = new Counter();
    private final LongSupplier connections;
    private final LongSupplier players;
    private final LongSupplier outboundBytes;
    private volatile Bound bound;
    private volatile Pressure pressure;
    private volatile Admission admission;
    /** New work refused by load shedding (and, in shadow mode, what would have been), by what it was. */
    private final Map<String, Counter> shed = new ConcurrentHashMap<>();
    private final Map<String, Counter> wouldShed = new ConcurrentHashMap<>();

    private record Bound(MetricRegistry registry, Map<String, String> labels) {
    }

    GatewayMetrics(LongSupplier connections, LongSupplier players, LongSupplier outboundBytes) {
        this.connections = connections;
        this.players = players;
        this.outboundBytes = outboundBytes;
    }

    /** A request of {@code type} was answered {@code nanos} after it was taken up. */
    void request(String type, long nanos) {
        requests.computeIfAbsent(type, this::newTimer).update(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * A rate-limit policy refused a request ({@code shadow}: would have, and let it through), for a
     * key of {@code kind} ({@code player}, {@code address}, {@code room}).
     */
    void limitRefused(String policy, String kind, boolean shadow) {
        (shadow ? limitShadowRefused : limitRefused).computeIfAbsent(policy + "\u0000" + kind,
                k -> newLimitCounter(policy, kind, shadow)).inc();
    }

    void pressure(Pressure p) {
        pressure = p;
    }

    void admission(Admission a) {
        admission = a;
    }

    /** Load shedding refused {@code what} ({@code shadow}: would have, and let it through). */
    void shed(String what, boolean shadow) {
        (shadow ? wouldShed : shed).computeIfAbsent(what, w -> registered(new Counter(), b -> shedName(b, w, shadow))).inc();
    }

    /** The shedding counts so far, by what was refused. */
    Map<String, Long> shedCounts(boolean shadow) {
        Map<String, Long> m = new java.util.TreeMap<>();
        (shadow ? wouldShed : shed).forEach((what, c) -> m.put(what, c.getCount()));
        return m;
    }

    private static MetricName shedName(Bound b, String what, boolean shadow) {
        return name(b, shadow ? "would_shed" : "shed").with("what", what);
    }

    /** A connection closed with {@code code}. */
    void closed(int code) {
        closes.computeIfAbsent(code, this::newCloseCounter).inc();
    }

    void sent(long bytes) {
        messagesOut.inc();
        bytesOut.inc(bytes);
    }

    void received(long bytes) {
        messagesIn.inc();
        bytesIn.inc(bytes);
    }

    /** Puts every series into {@code registry}, under this bundle's labels; takes them out of the previous one. */
    synchronized void bind(MetricRegistry registry, String bundle, String version) {
        unbind();
        Bound b = new Bound(registry, Map.of(MetricLabels.BUNDLE, bundle, MetricLabels.BUNDLE_VERSION, version));
        registry.removeMatching((name, metric) -> name.startsWith(PREFIX)); // what an earlier gateway may have left
        put(b, name(b, "connections"), (Gauge<Long>) connections::getAsLong);
        put(b, name(b, "players"), (Gauge<Long>) players::getAsLong);
        put(b, name(b, "outbound_bytes"), (Gauge<Long>) outboundBytes::getAsLong);
        put(b, name(b, "connections_opened"), opened);
        put(b, name(b, "upgrades_refused").with("reason", "origin"), refusedOrigin);
        put(b, name(b, "upgrades_refused").with("reason", "host"), refusedHost);
        put(b, name(b, "upgrades_refused").with("reason", "address"), refusedAddress);
        put(b, name(b, "upgrades_refused").with("reason", "full"), refused);
        put(b, name(b, "messages").with("direction", "in"), messagesIn);
        put(b, name(b, "messages").with("direction", "out"), messagesOut);
        put(b, name(b, "message_bytes").with("direction", "in"), bytesIn);
        put(b, name(b, "message_bytes").with("direction", "out"), bytesOut);
        put(b, name(b, "requests_refused").with("reason", "rate_limited"), rateLimited);
        put(b, name(b, "requests_refused").with("reason", "too_large"), tooLarge);
        put(b, name(b, "requests_refused").with("reason", "bad_request"), badRequests);
        put(b, name(b, "resumes").with("with", "events"), resumedWithEvents);
        put(b, name(b, "resumes").with("with", "snapshot"), resumedWithSnapshot);
        put(b, name(b, "sessions_expired"), expired);
        put(b, name(b, "players_caught_up"), caughtUp);
        requests.forEach((type, timer) -> put(b, requestName(b, type), timer));
        closes.forEach((code, counter) -> put(b, closeName(b, code), counter));
        put(b, name(b, "limit_decision_seconds"), limitDecision);
        put(b, name(b, "limit_errors"), limitErrors);
        limitRefused.forEach((id, counter) -> put(b, limitName(b, id, false), counter));
        limitShadowRefused.forEach((id, counter) -> put(b, limitName(b, id, true), counter));
        shed.forEach((what, counter) -> put(b, shedName(b, what, false), counter));
        wouldShed.forEach((what, counter) -> put(b, shedName(b, what, true), counter));
        Pressure p = pressure;
        if (p != null) {
            put(b, name(b, "overloaded"), (Gauge<Integer>) () -> p.overloaded() ? 1 : 0);
            for (Pressure.Signal s : Pressure.Signal.values()) {
                put(b, name(b, "pressure").with("signal", s.key()), (Gauge<Double>) () -> {
                    double v = p.last().get(s);
                    return Double.isNaN(v) ? 0.0 : v;
                });
            }
        }
        Admission a = admission;
        if (a != null) {
            put(b, name(b, "admission_window"), (Gauge<Integer>) () -> a.windowOrMinusOne());
            put(b, name(b, "admission_left"), (Gauge<Integer>) () -> a.windowOrMinusOne() < 0 ? -1 : a.left());
        }
        bound = b;
    }

    /** Takes every series out of the registry they are in, if any; the counts go on. */
    synchronized void unbind() {
        Bound b = bound;
        bound = null;
        if (b != null) {
            b.registry().removeMatching((name, metric) -> name.startsWith(PREFIX));
        }
    }

    MetricRegistry registry() {
        Bound b = bound;
        return b == null ? null : b.registry();
    }

    private Timer newTimer(String type) {
        return registered(new SummingTimer(), b -> requestName(b, type));
    }

    private Counter newLimitCounter(String policy, String kind, boolean shadow) {
        return registered(new Counter(), b -> limitName(b, policy + "\u0000" + kind, shadow));
    }

    private Counter newCloseCounter(int code) {
        return registered(new Counter(), b -> closeName(b, code));
    }

    /** A series made after {@link #bind}: it joins the bound registry at once. */
    private synchronized <M extends Metric> M registered(M metric, Function<Bound, MetricName> name) {
        Bound b = bound;
        if (b != null) {
            put(b, name.apply(b), metric);
        }
        return metric;
    }

    private static MetricName name(Bound b, String what) {
        return MetricName.of(PREFIX + what, b.labels());
    }

    private static MetricName requestName(Bound b, String type) {
        return name(b, "request_seconds").with("type", type);
    }

    /** {@code id} is the policy and the key's kind, separated by a NUL. */
    private static MetricName limitName(Bound b, String id, boolean shadow) {
        int nul = id.indexOf('\u0000');
        return name(b, shadow ? "limit_would_refuse" : "limit_refusals").with("policy", id.substring(0, nul))
                .with("key", id.substring(nul + 1));
    }

    private static MetricName closeName(Bound b, int code) {
        return name(b, "closes").with("code", Integer.toString(code));
    }

    private static void put(Bound b, MetricName name, Metric metric) {
        b.registry().register(name.toString(), metric);
    }
}
