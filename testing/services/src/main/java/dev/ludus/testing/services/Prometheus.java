package dev.ludus.testing.services;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus for tests: the {@code prometheus} and {@code promtool} programs on the {@code PATH}
 * (or named by {@value #SERVER_VARIABLE} and {@value #PROMTOOL_VARIABLE}; Debian's
 * {@code prometheus} package has both, and {@code .ci/run} installs it). Maven Central has no
 * Prometheus to start instead, so when either program is missing the tests skip (or fail under
 * {@code LUDUS_TEST_SERVICES=required}).
 */
public final class Prometheus {

    /** The Prometheus server program. */
    public static final String SERVER_VARIABLE = "LUDUS_TEST_PROMETHEUS";
    /** The promtool program. */
    public static final String PROMTOOL_VARIABLE = "LUDUS_TEST_PROMTOOL";

    private Prometheus() {
    }

    /**
     * The programs for {@code tests} tests of {@code testClass}, looked for once per JVM.
     * Thread-safe; blocks while each program answers {@code --version}.
     *
     * @throws org.junit.AssumptionViolatedException when a program is missing (the skip is recorded)
     * @throws AssertionError                         when one is missing and skipping is not allowed
     */
    public static PrometheusTools tools(Class<?> testClass, int tests) {
        return (PrometheusTools) TestServices.require(Service.PROMETHEUS, testClass, tests);
    }

    static Availability<?> locate(ServicePolicy policy) {
        String server = TestSettings.get(SERVER_VARIABLE, "prometheus");
        String promtool = TestSettings.get(PROMTOOL_VARIABLE, "promtool");
        StringBuilder problems = new StringBuilder();
        String version = version(server, problems);
        version(promtool, problems);
        if (problems.length() > 0) {
            return new Availability.Missing<>(problems + " (Debian: apt-get install prometheus)");
        }
        System.out.println("[test-services] Prometheus: " + server + " (" + version + "), " + promtool);
        return new Availability.Ready<>(new PrometheusTools(server, promtool, version), server);
    }

    /** The first line {@code program --version} prints, or null with the problem appended. */
    private static String version(String program, StringBuilder problems) {
        try {
            Process p = new ProcessBuilder(program, "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                problems.append(problems.length() > 0 ? "; " : "").append(program).append(" --version failed: ").append(out);
                return null;
            }
            return out.lines().findFirst().orElse(program);
        } catch (IOException e) {
            problems.append(problems.length() > 0 ? "; " : "").append("cannot run ").append(program).append(" (")
                    .append(e.getMessage()).append(')');
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problems.append(problems.length() > 0 ? "; " : "").append(program).append(": interrupted");
            return null;
        }
    }
}
