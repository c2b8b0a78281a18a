package dev.ludus.metrics;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.StringWriter;
import java.lang.annotation.Annotation;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.Test;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;

import dev.ludus.api.metrics.MetricName;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;

public class JvmSeriesTest {

    @Test
    public void everyJvmSeriesIsANamedNumberWithHelp() throws Exception {
        MetricRegistry registry = new MetricRegistry();
        List<String> names = JvmSeries.registerOn(registry);
        assertEquals(registry.getNames(), new TreeSet<>(names));
        for (String name : names) {
            MetricName parsed = MetricName.parse(name);
            assertTrue(name, parsed.family().startsWith("ludus_jvm_"));
            assertTrue("help for " + parsed.family(), JvmSeries.HELP.containsKey(parsed.family()));
            assertTrue(name, ((Gauge<?>) registry.getMetrics().get(name)).getValue() instanceof Number);
        }
        for (String expected : List.of("ludus_jvm_memory_used_bytes{area=\"heap\"}", "ludus_jvm_threads{state=\"runnable\"}",
                "ludus_jvm_classes_loaded", "ludus_jvm_uptime_seconds")) {
            assertTrue(expected, names.contains(expected));
        }
        assertTrue(names.stream().anyMatch(n -> n.startsWith("ludus_jvm_gc_collections{gc=")));
        assertTrue(names.stream().anyMatch(n -> n.startsWith("ludus_jvm_memory_pool_used_bytes{pool=")));
        assertTrue(names.stream().anyMatch(n -> n.startsWith("ludus_jvm_buffer_pool_used_bytes{pool=\"direct\"")));
    }

    @Test
    public void processSeriesComeFromTheJdkBeansOnLinux() {
        MetricRegistry registry = new MetricRegistry();
        List<String> names = ProcessSeries.registerOn(registry);
        assertTrue(names.toString(), names.contains("ludus_jvm_process_cpu_seconds"));
        if (System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")) {
            assertEquals(List.of("ludus_jvm_process_cpu_seconds", "ludus_jvm_open_fds", "ludus_jvm_max_fds"), names);
            assertTrue(((Number) registry.getGauges().get("ludus_jvm_open_fds").getValue()).longValue() > 0);
        }
    }

    @Test
    public void theRegistryTurnsJvmSeriesOffAndOnAndIsEmptyWhenDeactivated() throws Exception {
        NodeMetricRegistry registry = new NodeMetricRegistry();
        registry.activate(config(true, true));
        int jvm = registry.getNames().size();
        assertTrue(jvm > 20);
        registry.counter("ludus_other_bundle").inc();
        registry.configure(config(false, true));
        assertEquals(Set.of("ludus_other_bundle"), registry.getNames());
        registry.configure(config(true, true));
        registry.configure(config(true, true));
        assertEquals(jvm + 1, registry.getNames().size());
        String text = scrape(registry);
        assertTrue(text, text.contains("# TYPE ludus_jvm_gc_collections_total counter"));
        assertTrue(text, text.contains("# TYPE ludus_jvm_threads gauge"));
        registry.deactivate();
        assertTrue(registry.getNames().isEmpty());
    }

    static MetricsConfig config(boolean jvm, boolean http) {
        return new MetricsConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return MetricsConfig.class;
            }

            @Override
            public boolean jvmSeries() {
                return jvm;
            }

            @Override
            public boolean httpSeries() {
                return http;
            }
        };
    }

    private static String scrape(MetricRegistry registry) throws Exception {
        CollectorRegistry exposition = new CollectorRegistry();
        exposition.register(new RegistryCollector(registry, Map.<String, String>of()::get));
        StringWriter out = new StringWriter();
        TextFormat.write004(out, exposition.metricFamilySamples());
        return out.toString();
    }
}
