package dev.ludus.testing.services;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.After;
import org.junit.AssumptionViolatedException;
import org.junit.Before;
import org.junit.Test;

/** The skip decision, its records and the end-of-build line, in a records folder of the test's own. */
public class SkipReportTest {

    private Path root;

    @Before
    public void recordsInATemporaryReactor() throws Exception {
        root = Files.createTempDirectory("skip-report-test");
        System.setProperty(SkipRecords.DIRECTORY_PROPERTY, SkipRecords.directoryUnder(root).toString());
    }

    @After
    public void restore() {
        System.clearProperty(SkipRecords.DIRECTORY_PROPERTY);
    }

    private String report() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SkipReport.report(root, new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    public void aMissingServiceSkipsRecordsAndTheReportPrintsOneLineOnce() throws Exception {
        Availability<?> missing = new Availability.Missing<>("not reachable at 127.0.0.1:1: Connection refused; embedded disabled");
        for (int i = 0; i < 2; i++) {
            try {
                TestServices.use(Service.POSTGRESQL, missing, new ServicePolicy(false, true), i == 0 ? String.class : Integer.class, 4 + i);
                fail("used a missing service");
            } catch (AssumptionViolatedException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("not reachable at 127.0.0.1:1"));
            }
        }
        String printed = report();
        assertEquals("!! SKIPPED service tests: PostgreSQL (not reachable at 127.0.0.1:1: Connection refused; embedded disabled)"
                + " — 9 tests in 2 classes. Set LUDUS_TEST_SERVICES=required to make this fail.\n", printed);
        assertEquals("the records were consumed", "", report());
    }

    @Test
    public void whenRequiredAMissingServiceFailsAndRecordsNothing() throws Exception {
        try {
            TestServices.use(Service.POSTGRESQL, new Availability.Missing<>("down"), new ServicePolicy(true, true), String.class, 3);
            fail("skipped or used a missing service");
        } catch (AssertionError e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("PostgreSQL is required (LUDUS_TEST_SERVICES=required) but unavailable: down"));
        }
        assertEquals(List.of(), SkipRecords.read(SkipRecords.directoryUnder(root)));
        assertEquals("nothing skipped, nothing printed", "", report());
    }

    @Test
    public void anAvailableServiceIsReturned() {
        Object handle = new Object();
        assertEquals(handle, TestServices.use(Service.POSTGRESQL, new Availability.Ready<>(handle, "here"), new ServicePolicy(true, false),
                String.class, 1));
    }

    @Test
    public void theLineSumsTestsPerServiceAndKeepsDistinctReasons() {
        assertNull(SkipReport.line(List.of()));
        String line = SkipReport.line(List.of(new SkipRecords.Skip("PostgreSQL", "a", "X", 1),
                new SkipRecords.Skip("PostgreSQL", "b", "Y", 2), new SkipRecords.Skip("Redis", "c", "Z", 3)));
        assertEquals("!! SKIPPED service tests: PostgreSQL (a; b) — 3 tests in 2 classes; Redis (c) — 3 tests in 1 class."
                + " Set LUDUS_TEST_SERVICES=required to make this fail.", line);
    }

    @Test
    public void theReactorRootIsFoundFromAnyModuleAlsoUnderFoldersWithoutAPom() throws Exception {
        Files.createDirectories(root.resolve("testing/services"));
        Files.writeString(root.resolve("testing/services/pom.xml"), "<project/>");
        Path bundle = Files.createDirectories(root.resolve("bundles/x"));
        Path example = Files.createDirectories(root.resolve("examples/hello"));
        Path expected = root.toAbsolutePath().normalize();
        assertEquals(expected, SkipRecords.reactorRoot(bundle));
        assertEquals(expected, SkipRecords.reactorRoot(example));
        assertEquals(expected, SkipRecords.reactorRoot(root.resolve("testing/services")));
        assertEquals(expected, SkipRecords.reactorRoot(root));
    }
}
