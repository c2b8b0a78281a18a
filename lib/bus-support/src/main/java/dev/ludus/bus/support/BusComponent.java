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
        try {
            return require().publish(message);
        } catch (BusException e) {
            metrics.refused.inc();
            return CompletableFuture.failedFuture(e);
        }
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
        return BusHealth.of(status(), handlers.refused(), lagWarning, healthDetails());
    }
}
