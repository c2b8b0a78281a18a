package dev.ludus.testing.services;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.junit.runner.Description;
import org.junit.runner.JUnitCore;
import org.junit.runner.Request;
import org.junit.runner.Result;
import org.junit.runner.Runner;
import org.junit.runner.manipulation.Filter;
import org.junit.runner.notification.RunNotifier;

/**
 * A class that needs PostgreSQL, with none to be had (the real server's address is a closed
 * port, embedded is off): its runner is never built, its tests are skipped and recorded, or
 * failed under {@code LUDUS_TEST_SERVICES=required}.
 */
public class WithServicesTest {

    private static Path records;

    /** Would fail every test if it were ever built or run. */
    public static final class NeverBuilt extends Runner {
        public NeverBuilt(Class<?> c) {
            throw new AssertionError("the runner was built although PostgreSQL is missing");
        }

        @Override
        public Description getDescription() {
            return Description.EMPTY;
        }

        @Override
        public void run(RunNotifier notifier) {
        }
    }

    @WithServices.Needs(value = Service.POSTGRESQL, runner = NeverBuilt.class)
    public static final class NeedsPostgres {
        @Test
        public void one() {
        }

        @Test
        public void two() {
        }
    }

    @BeforeClass
    public static void nothingToBeHad() throws Exception {
        records = Files.createTempDirectory("with-services-test");
        System.setProperty(SkipRecords.DIRECTORY_PROPERTY, records.toString());
        System.setProperty(Postgres.URL_VARIABLE, "jdbc:postgresql://127.0.0.1:1/test");
        System.setProperty(ServicePolicy.EMBEDDED_VARIABLE, "off");
    }

    @AfterClass
    public static void restore() {
        for (String p : List.of(SkipRecords.DIRECTORY_PROPERTY, Postgres.URL_VARIABLE, ServicePolicy.EMBEDDED_VARIABLE,
                ServicePolicy.SERVICES_VARIABLE)) {
            System.clearProperty(p);
        }
    }

    @Test
    public void withoutTheServiceEveryTestIsSkippedAndRecordedAndTheRunnerNeverBuilt() throws Exception {
        System.setProperty(ServicePolicy.SERVICES_VARIABLE, "auto");
        Result r = new JUnitCore().run(Request.runner(new WithServices(NeedsPostgres.class)));
        assertEquals(2, r.getAssumptionFailureCount());
        assertEquals(0, r.getFailureCount());
        List<SkipRecords.Skip> skips = SkipRecords.read(records);
        assertEquals(1, skips.size());
        assertEquals(NeedsPostgres.class.getName(), skips.get(0).testClass());
        assertEquals(2, skips.get(0).tests());
        assertTrue(skips.get(0).reason(), skips.get(0).reason().startsWith("not reachable at 127.0.0.1:1"));
    }

    @Test
    public void whenRequiredEveryTestFailsNamingTheService() throws Exception {
        System.setProperty(ServicePolicy.SERVICES_VARIABLE, "required");
        Result r = new JUnitCore().run(Request.runner(new WithServices(NeedsPostgres.class)));
        assertEquals(2, r.getFailureCount());
        assertTrue(r.getFailures().get(0).getMessage(), r.getFailures().get(0).getMessage().startsWith("PostgreSQL is required"));
    }

    @Test
    public void aFilterNarrowsTheSkippedTests() throws Exception {
        System.setProperty(ServicePolicy.SERVICES_VARIABLE, "auto");
        WithServices runner = new WithServices(NeedsPostgres.class);
        runner.filter(Filter.matchMethodDescription(Description.createTestDescription(NeedsPostgres.class, "two")));
        assertEquals(1, runner.getDescription().testCount());
        assertEquals(1, new JUnitCore().run(Request.runner(runner)).getAssumptionFailureCount());
    }
}
