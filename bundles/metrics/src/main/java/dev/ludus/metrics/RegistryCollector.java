package dev.ludus.metrics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;

import dev.ludus.api.metrics.MetricName;
import dev.ludus.api.metrics.SummingHistogram;
import dev.ludus.api.metrics.SummingTimer;
import io.prometheus.client.Collector;

/**
 * Turns a Dropwizard registry into Prometheus metric families, reading each series' family and
 * labels back from its name ({@link MetricName}); all series of one family become one family
 * (one HELP and TYPE):
 * <ul>
 * <li>{@link Counter}, {@link Meter} (its count) and {@link CumulativeGauge} → counter;</li>
 * <li>{@link Gauge} of a {@link Number} → gauge (other gauges are left out);</li>
 * <li>{@link Histogram} → summary with quantiles {@link #QUANTILES}, a count and, for a
 * {@link SummingHistogram}, the exact sum;</li>
 * <li>{@link Timer} → the same summary, in seconds (a sum for a {@link SummingTimer}).</li>
 * </ul>
 * A name not in the convention ({@code jvm.memory.heap}) is kept as a family without labels, its
 * characters outside {@code [a-zA-Z0-9_:]} replaced by {@code _}. A counter family named
 * {@code x_total} is exposed as {@code x}: the formats add {@code _total} to a counter's samples.
 * A series whose family already has another type, or that repeats a series already exposed, is
 * left out and logged once. A plain Dropwizard {@code Timer} or {@code Histogram} keeps only a
 * sample of recent values: its summary has no {@code _sum} rather than one guessed from the
 * sample. Thread-safe: each scrape reads the registry afresh.
 */
final class RegistryCollector extends Collector implements Collector.Describable {

    static final double[] QUANTILES = {0.5, 0.75, 0.95, 0.99, 0.999};
    private static final double NANOS_PER_SECOND = 1e9;
    private static final Logger LOG = LoggerFactory.getLogger(RegistryCollector.class);

    private final MetricRegistry registry;
    private final Function<String, String> help;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    /**
     * @param registry what to expose
     * @param help     the HELP line of a family, or null for a generic one
     */
    RegistryCollector(MetricRegistry registry, Function<String, String> help) {
        this.registry = registry;
        this.help = help;
    }

    /** One family being built. */
    private record Family(String name, Type type, List<MetricFamilySamples.Sample> samples, Set<List<String>> series) {
    }

    @Override
    public List<MetricFamilySamples> collect() {
        Map<String, Family> families = new TreeMap<>();
        for (Map.Entry<String, Metric> series : new TreeMap<>(registry.getMetrics()).entrySet()) {
            add(families, series.getKey(), series.getValue());
        }
        List<MetricFamilySamples> out = new ArrayList<>(families.size());
        for (Family f : families.values()) {
            if (f.samples().isEmpty()) {
                continue; // its only series could not be read
            }
            String text = help.apply(f.name());
            out.add(new MetricFamilySamples(f.name(), f.type(), text != null ? text
                    : f.type().name().toLowerCase(Locale.ROOT) + " " + f.name(), f.samples()));
        }
        return out;
    }

    /** The families are only known by scraping; this registry is private, so none are declared. */
    @Override
    public List<MetricFamilySamples> describe() {
        return List.of();
    }

    private void add(Map<String, Family> families, String dropwizardName, Metric metric) {
        MetricName name = nameOf(dropwizardName);
        Type type = typeOf(metric);
        if (type == null) {
            return;
        }
        double gaugeValue = 0;
        if (type == Type.GAUGE) {
            Object value;
            try {
                value = ((Gauge<?>) metric).getValue();
            } catch (RuntimeException e) {
                // A gauge that throws costs its own series, never the scrape.
                warnOnce(dropwizardName, "metric '" + dropwizardName + "' could not be read: " + e);
                return;
            }
            if (!(value instanceof Number n)) {
                return; // not a number: nothing Prometheus can hold
            }
            gaugeValue = n.doubleValue();
        }
        String familyName = type == Type.COUNTER && name.family().endsWith("_total")
                ? name.family().substring(0, name.family().length() - "_total".length()) : name.family();
        Family family = families.computeIfAbsent(familyName,
                n -> new Family(n, type, new ArrayList<>(), new HashSet<>()));
        if (family.type() != type) {
            warnOnce(dropwizardName, "metric '" + dropwizardName + "' is left out of /metrics: family " + familyName
                    + " is already a " + family.type().name().toLowerCase(Locale.ROOT));
            return;
        }
        List<String> labelNames = List.copyOf(name.labels().keySet());
        List<String> labelValues = List.copyOf(name.labels().values());
        if (!family.series().add(concat(labelNames, labelValues))) {
            warnOnce(dropwizardName, "metric '" + dropwizardName + "' is left out of /metrics: it repeats series "
                    + name + " of another metric");
            return;
        }
        try {
            samples(family, labelNames, labelValues, metric, gaugeValue);
        } catch (RuntimeException e) {
            warnOnce(dropwizardName, "metric '" + dropwizardName + "' could not be read: " + e);
        }
    }

    private static void samples(Family family, List<String> labelNames, List<String> labelValues, Metric metric,
                                double gaugeValue) {
        List<MetricFamilySamples.Sample> out = family.samples();
        String name = family.name();
        switch (family.type()) {
            case COUNTER -> out.add(new MetricFamilySamples.Sample(name + "_total", labelNames, labelValues,
                    counterValue(metric)));
            case GAUGE -> out.add(new MetricFamilySamples.Sample(name, labelNames, labelValues, gaugeValue));
            case SUMMARY -> {
                boolean timer = metric instanceof Timer;
                Snapshot snapshot = timer ? ((Timer) metric).getSnapshot() : ((Histogram) metric).getSnapshot();
                long count = timer ? ((Timer) metric).getCount() : ((Histogram) metric).getCount();
                double scale = timer ? NANOS_PER_SECOND : 1;
                List<String> withQuantile = new ArrayList<>(labelNames);
                withQuantile.add("quantile");
                for (double q : QUANTILES) {
                    List<String> values = new ArrayList<>(labelValues);
                    values.add(Collector.doubleToGoString(q));
                    out.add(new MetricFamilySamples.Sample(name, withQuantile, values, snapshot.getValue(q) / scale));
                }
                out.add(new MetricFamilySamples.Sample(name + "_count", labelNames, labelValues, count));
                if (metric instanceof SummingTimer t) {
                    out.add(new MetricFamilySamples.Sample(name + "_sum", labelNames, labelValues,
                            t.getSumNanos() / NANOS_PER_SECOND));
                } else if (metric instanceof SummingHistogram h) {
                    out.add(new MetricFamilySamples.Sample(name + "_sum", labelNames, labelValues, h.getSum()));
                }
            }
            default -> throw new IllegalStateException("unexpected type " + family.type());
        }
    }

    private static double counterValue(Metric metric) {
        if (metric instanceof Counter c) {
            return c.getCount();
        }
        if (metric instanceof Meter m) {
            return m.getCount();
        }
        Double value = ((CumulativeGauge) metric).getValue();
        return value == null ? 0 : value;
    }

    /** The type a metric is exposed as, or null if it is left out. */
    private static Type typeOf(Metric metric) {
        if (metric instanceof Counter || metric instanceof Meter || metric instanceof CumulativeGauge) {
            return Type.COUNTER;
        }
        if (metric instanceof Timer || metric instanceof Histogram) {
            return Type.SUMMARY;
        }
        if (metric instanceof Gauge) {
            return Type.GAUGE;
        }
        return null;
    }

    /** The series' family and labels, or, for a name outside the convention, the name made valid. */
    static MetricName nameOf(String dropwizardName) {
        try {
            return MetricName.parse(dropwizardName);
        } catch (IllegalArgumentException e) {
            return MetricName.of(sanitize(dropwizardName));
        }
    }

    static String sanitize(String name) {
        StringBuilder b = new StringBuilder(name.length() + 1);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean valid = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == ':';
            b.append(valid ? c : '_');
        }
        if (b.isEmpty() || Character.isDigit(b.charAt(0))) {
            b.insert(0, '_');
        }
        return b.toString();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private void warnOnce(String dropwizardName, String message) {
        if (warned.add(dropwizardName)) {
            LOG.warn(message);
        }
    }
}
