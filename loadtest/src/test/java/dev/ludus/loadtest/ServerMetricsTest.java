package dev.ludus.loadtest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.URI;

import org.junit.Test;

public class ServerMetricsTest {

    private static final String TEXT = """
            # HELP ludus_jvm_process_cpu_seconds_total CPU time used by the process.
            # TYPE ludus_jvm_process_cpu_seconds_total counter
            ludus_jvm_process_cpu_seconds_total 12.345
            ludus_jvm_process_cpu_seconds_total_x 99.0
            ludus_eventstore_fsync_seconds{bundle="dev.ludus.eventstore",bundle_version="0.1.0.SNAPSHOT",quantile="0.99",} 0.004
            ludus_eventstore_fsync_seconds_count{bundle="dev.ludus.eventstore",bundle_version="0.1.0.SNAPSHOT",} 1200.0
            ludus_eventstore_fsync_seconds_sum{bundle="dev.ludus.eventstore",bundle_version="0.1.0.SNAPSHOT",} 2.5
            ludus_http_requests{method="GET",status="2xx",} 7.0
            ludus_http_requests{method="POST",status="4xx",} 3.0
            """;

    @Test
    public void readsTheSeriesWithExactlyThatNameAndNotALongerOne() {
        assertEquals(12.345, ServerMetrics.value(TEXT, ServerMetrics.PROCESS_CPU), 0);
        assertEquals(99.0, ServerMetrics.value(TEXT, "ludus_jvm_process_cpu_seconds_total_x"), 0);
        assertEquals(1200.0, ServerMetrics.value(TEXT, ServerMetrics.FSYNC_COUNT), 0);
        assertEquals(2.5, ServerMetrics.value(TEXT, ServerMetrics.FSYNC_SUM), 0);
    }

    @Test
    public void aSampleHasTheProcessCpuAndTheFsyncsOfTheNodesText() throws Exception {
        ServerMetrics.Sample s = ServerMetrics.parse(TEXT);
        assertEquals(new ServerMetrics.Sample(12.345, 1200.0, 2.5), s);
        assertEquals(4.0, ServerMetrics.parse("ludus_jvm_process_cpu_seconds 4.0\n").cpuSeconds(), 0);
        assertTrue(Double.isNaN(ServerMetrics.parse("ludus_jvm_process_cpu_seconds 4.0\n").fsyncs()));
    }

    @Test(expected = java.io.IOException.class)
    public void metricsWithoutTheProcessCpuAreRefused() throws Exception {
        ServerMetrics.parse("ludus_jvm_threads_live 12.0\n");
    }

    @Test
    public void addsUpTheLabelSetsOfOneFamily() {
        assertEquals(10.0, ServerMetrics.value(TEXT, "ludus_http_requests"), 0);
    }

    @Test
    public void aSeriesThatIsNotThereIsNaNNotZero() {
        assertTrue(Double.isNaN(ServerMetrics.value(TEXT, "ludus_jvm_process_cpu")));
        assertTrue(Double.isNaN(ServerMetrics.value(TEXT, "ludus_jvm_process_cpu_seconds")));
        assertTrue(Double.isNaN(ServerMetrics.value("", ServerMetrics.PROCESS_CPU)));
        assertTrue(Double.isNaN(ServerMetrics.value("ludus_jvm_process_cpu_seconds_total NaNx\n", ServerMetrics.PROCESS_CPU)));
    }

    @Test
    public void readsAValueWithATimestampAndWithoutATrailingNewline() {
        assertEquals(3.5, ServerMetrics.value("a 1\nludus_jvm_process_cpu_seconds 3.5 1700000000000", ServerMetrics.PROCESS_CPU_BARE), 0);
        assertEquals(1e3, ServerMetrics.value("ludus_jvm_process_cpu_seconds\t1.0E3\n", ServerMetrics.PROCESS_CPU_BARE), 0);
    }

    @Test
    public void theMetricsLiveBesideTheGateway() {
        assertEquals(URI.create("http://127.0.0.1:8080/metrics"), ServerMetrics.besideGateway("ws://127.0.0.1:8080/ws"));
        assertEquals(URI.create("https://game.example:443/metrics"), ServerMetrics.besideGateway("wss://game.example:443/ws"));
        assertEquals(URI.create("http://[::1]:9000/metrics"), ServerMetrics.besideGateway("ws://[::1]:9000/ws"));
    }
}
