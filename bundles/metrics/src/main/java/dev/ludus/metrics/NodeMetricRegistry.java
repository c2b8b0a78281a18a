package dev.ludus.metrics;

import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;

import com.codahale.metrics.Histogram;
import com.codahale.metrics.MetricFilter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

import dev.ludus.api.metrics.SummingHistogram;
import dev.ludus.api.metrics.SummingTimer;

/**
 * The node's one {@link MetricRegistry} service. Other bundles record into it under names built
 * with {@code dev.ludus.api.metrics.MetricName} and remove their series when they stop; when this
 * bundle stops, the registry is emptied, and bundles that hold it dynamically rebind to the next
 * one. It records the JVM series itself ({@link JvmSeries}) unless configured not to.
 *
 * <p>{@link #timer(String)} and {@link #histogram(String)} make a {@link SummingTimer} and a
 * {@link SummingHistogram}, which keep the exact sum that a summary's {@code _sum} needs.
 */
@Component(service = MetricRegistry.class, configurationPid = NodeMetricRegistry.PID)
@Designate(ocd = MetricsConfig.class)
public class NodeMetricRegistry extends MetricRegistry {

    static final String PID = "dev.ludus.metrics";

    private List<String> jvmSeries = List.of();

    @Activate
    void activate(MetricsConfig config) {
        configure(config);
    }

    @Modified
    synchronized void configure(MetricsConfig config) {
        if (config.jvmSeries() && jvmSeries.isEmpty()) {
            jvmSeries = JvmSeries.registerOn(this);
        } else if (!config.jvmSeries()) {
            jvmSeries.forEach(this::remove);
            jvmSeries = List.of();
        }
    }

    /** A {@link SummingTimer}: the same quantiles as Dropwizard's default timer, and a sum. */
    @Override
    public Timer timer(String name) {
        return timer(name, SummingTimer::new);
    }

    /** A {@link SummingHistogram}: the same quantiles as Dropwizard's default histogram, and a sum. */
    @Override
    public Histogram histogram(String name) {
        return histogram(name, SummingHistogram::new);
    }

    @Deactivate
    synchronized void deactivate() {
        removeMatching(MetricFilter.ALL);
        jvmSeries = List.of();
    }
}
