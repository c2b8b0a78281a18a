package dev.ludus.testing.services;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import org.junit.After;
import org.junit.Test;

/** Finding the Prometheus programs: a missing one is named in the reason, found ones are handed over. */
public class PrometheusTest {

    @After
    public void restore() {
        System.clearProperty(Prometheus.SERVER_VARIABLE);
        System.clearProperty(Prometheus.PROMTOOL_VARIABLE);
    }

    @Test
    public void aMissingProgramIsNamedInTheReason() {
        System.setProperty(Prometheus.SERVER_VARIABLE, "/nonexistent/prometheus");
        System.setProperty(Prometheus.PROMTOOL_VARIABLE, "/nonexistent/promtool");
        Availability<?> a = Prometheus.locate(new ServicePolicy(false, true));
        assertTrue(a.toString(), a instanceof Availability.Missing<?>);
        String reason = ((Availability.Missing<?>) a).reason();
        assertTrue(reason, reason.contains("cannot run /nonexistent/prometheus"));
        assertTrue(reason, reason.contains("cannot run /nonexistent/promtool"));
        assertTrue(reason, reason.contains("apt-get install prometheus"));
    }

    @Test
    public void theProgramsOnThePathAreFoundWithTheirVersion() {
        // Where they are not installed, follow the rule under test: skip and say so, or fail under
        // LUDUS_TEST_SERVICES=required (CI installs them).
        Availability<?> a = Prometheus.locate(ServicePolicy.current());
        PrometheusTools tools = (PrometheusTools) TestServices.use(Service.PROMETHEUS, a, ServicePolicy.current(), getClass(), 1);
        assertEquals("prometheus", tools.prometheus());
        assertEquals("promtool", tools.promtool());
        assertTrue(tools.version(), tools.version().startsWith("prometheus, version "));
    }
}
