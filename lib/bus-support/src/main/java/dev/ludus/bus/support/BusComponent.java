package dev.ludus.bus.support;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import com.codahale.metrics.MetricRegistry;

import dev.ludus.api.bus.BusException;
import dev.ludus.api.bus.BusStatus;
import dev.ludus.api.bus.DeadLetter;
import dev.ludus.api.bus.MessageBus;
import dev.ludus.api.bus.OutgoingMessage;
import dev.ludus.api.bus.Published;
import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.resilience.Policy;
import dev.ludus.api.resilience.Resilience;
import dev.ludus.api.resilience.ResilienceException;

/**
 * What every bus component shares: the {@link MessageBus} API over the running {@link BusCore}
 * (or {@code bus_closed} with the reason while there is none), the handler whiteboard fed to it,
 * the {@code ludus_bus_*} metrics in the node's registry, and the health check. A component
 * subclass keeps its DS annotations (activation, configuration, references) and forwards its
 * reference events here: bnd reads the annotations of the component class only.
 *
 * @param <B> the bus it runs
 */
public abstract class BusComponent<B extends BusCore> implements MessageBus, HealthCheck {

    protected final BusMetrics metrics;
    protected final HandlerBoard handlers;
    private final String implementation;
    private final String healthName;
    private volatile B bus;
    private volatile String problem;
    private volatile MetricRegistry registry;
    private volatile long lagWarning = 10_000;
    private volatile Resilience resilience;
    private volatile Policy publishPolicy;

    /**
     * @param implementation the {@code ludus.bus} name ({@code local}, {@code nats}, {@code rabbitmq})
     * @param busName        for logs ({@code NATS bus})
     */
    protected BusComponent(String implementation, String busName) {
        this.implementation = implementation;
        this.healthName = "bus-" + implementation;
        this.metrics = new BusMetrics(implementation);
        this.handlers = new HandlerBoard(busName);
    }

    /** The bus running now, or null. */
    protected B bus() {
        return bus;
    }

    /** Why there is no bus (a configuration refused, a store that cannot open). */
    protected void notRunning(String why) {
        problem = why;
    }

    /** Starts serving {@code b}: metrics, then every handler bound now and those that come later. */
    protected void running(B b, long lagWarningAbove) {
        lagWarning = Math.max(1, lagWarningAbove);
        bus = b;
        problem = null;
        MetricRegistry r = registry;
        if (r != null) {
            metrics.bind(r, this::status);
        }
        handlers.listen(new HandlerBoard.Listener() {
            @Override
            public void subscribe(Subscriber s) {
                b.subscribe(s);
            }

            @Override
            public void unsubscribe(Object identity) {
                b.unsubscribe(identity);
            }
        });
        handlers.current().forEach(b::subscribe);
    }

    /** Stops serving the bus and closes it. */
    protected void stopRunning() {
        B b = bus;
        bus = null;
        handlers.listen(null);
        metrics.unbind();
        if (b != null) {
            b.close();
        }
    }

    /** Forwarded from the component's optional dynamic reference to the node's registry. */
    protected void registryBound(MetricRegistry r) {
        registry = r;
        if (bus != null) {
            metrics.bind(r, this::status);
        }
    }

    protected void registryUnbound(MetricRegistry r) {
        if (registry == r) {
            registry = null;
            metrics.unbind();
        }
    }

    /**
     * Forwarded from a broker bus's optional dynamic reference to the node's resilience policies:
     * while one is bound, every publish goes through the policy {@link #policyName()} (one
     * attempt: the publisher's outbox retries), so a broker that keeps failing opens its breaker
     * and publishes are refused at once instead of each waiting for the broker's time-out.
     */
    protected void resilienceBound(Resilience r) {
        resilience = r;
        publishPolicy = r.policy(policyName());
    }

    protected void resilienceUnbound(Resilience r) {
        if (resilience == r) {
            resilience = null;
            publishPolicy = null;
        }
    }

    /** The policy publishes go through: {@code bus.<implementation>}. */
    public String policyName() {
        return "bus." + implementation;
    }

    private B require() {
        B b = bus;
        if (b == null) {
            throw new BusException("bus_closed", problem != null ? problem : "the " + implementation + " bus is not running",
                    null);
        }
        return b;
    }

    @Override
    public CompletionStage<Published> publish(OutgoingMessage message) {
        B b;
        try {
            b = require();
        } catch (BusException e) {
            metrics.refused.inc();
            return CompletableFuture.failedFuture(e);
        }
        Policy p = publishPolicy;
        if (p == null) {
            return b.publish(message);
        }
        CompletableFuture<Published> result = new CompletableFuture<>();
        p.callAsync(() -> b.publish(message), BusComponent::publishersOwn).whenComplete((published, failure) -> {
            if (failure == null) {
                result.complete(published);
            } else if (failure instanceof ResilienceException re) {
                metrics.refused.inc();
                result.completeExceptionally(refusedByPolicy(re));
            } else {
                result.completeExceptionally(failure);
            }
        });
        return result;
    }

    /**
     * A publish refusal that says nothing about the broker: a message the bus refused (bad topic,
     * too large...) or its own queue full. Neither retried nor counted against the breaker.
     */
    static boolean publishersOwn(Throwable t) {
        return t instanceof BusException e && !"bus_unavailable".equals(e.code());
    }

    /**
     * The policy's refusal as the bus API says it: a breaker open (or a bulkhead full, a rate
     * spent) sent nothing, so publishing again is safe; a time limit gave up on a publish whose
     * outcome is unknown, which the same id makes safe to publish again too.
     */
    private BusException refusedByPolicy(ResilienceException e) {
        String code = ResilienceException.RATE.equals(e.code()) || ResilienceException.FULL.equals(e.code())
                ? "overloaded" : "bus_unavailable";
        String tail = ResilienceException.TIMEOUT.equals(e.code())
                ? "; it may or may not be stored: publish it again with the same id"
                : "; nothing was published" + (e.retryAfterMillis() > 0 ? ", try again in " + e.retryAfterMillis() + " ms" : "");
        return new BusException(code, e.getMessage() + tail, e);
    }

    @Override
    public List<DeadLetter> deadLetters(String group, int max) {
        return require().deadLetters(group, max);
    }

    @Override
    public CompletionStage<Integer> replay(String group, Collection<String> ids, String operator) {
        try {
            return require().replay(group, ids, operator);
        } catch (BusException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletionStage<Integer> discard(String group, Collection<String> ids, String operator) {
        try {
            return require().discard(group, ids, operator);
        } catch (BusException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public BusStatus status() {
        B b = bus;
        return b == null ? new BusStatus(implementation, false, problem != null ? problem : "not running", List.of())
                : b.status();
    }

    @Override
    public String name() {
        return healthName;
    }

    /** Extra details for the health check (where the bus is), none by default. */
    protected Map<String, Object> healthDetails() {
        return Map.of();
    }

    @Override
    public HealthResult check() {
        HealthResult h = BusHealth.of(status(), handlers.refused(), lagWarning, healthDetails());
        Policy p = publishPolicy;
        if (p == null || h.status() != dev.ludus.api.health.HealthStatus.UP) {
            return h;
        }
        dev.ludus.api.resilience.PolicyStatus ps = p.status();
        if (ps.state() == dev.ludus.api.resilience.PolicyStatus.State.OPEN
                || ps.state() == dev.ludus.api.resilience.PolicyStatus.State.FORCED_OPEN) {
            return HealthResult.degraded("publishes are refused: the breaker of '" + ps.name() + "' is "
                    + ps.state().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '), h.details());
        }
        return h;
    }
}
