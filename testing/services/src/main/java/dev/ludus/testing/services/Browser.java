package dev.ludus.testing.services;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A headless Chromium for the browser tests: Debian's {@code /usr/bin/chromium}, or the program
 * {@code LUDUS_TEST_CHROMIUM} names. There is no embedded one: a missing browser is a recorded skip,
 * or a failure under {@code LUDUS_TEST_SERVICES=required}.
 */
public final class Browser {

    /** The variable (environment or system property) naming the Chromium program. */
    public static final String VARIABLE = "LUDUS_TEST_CHROMIUM";

    private Browser() {
    }

    /**
     * The Chromium program for {@code tests} tests of {@code testClass}.
     *
     * @throws org.junit.AssumptionViolatedException when it is missing (the skip is recorded)
     * @throws AssertionError                         when it is missing and skipping is not allowed
     */
    public static String chromium(Class<?> testClass, int tests) {
        return (String) TestServices.require(Service.CHROMIUM, testClass, tests);
    }

    static Availability<?> locate(ServicePolicy policy) {
        String program = TestSettings.get(VARIABLE, "/usr/bin/chromium");
        if (!Files.isExecutable(Path.of(program))) {
            return new Availability.Missing<>("no Chromium at " + program + " (Debian: apt-get install chromium; or set "
                    + VARIABLE + ")");
        }
        return new Availability.Ready<>(program, program);
    }
}
