package dev.ludus.testing.services;

import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * What the environment allows when a test's service is missing: skipping (the default) or
 * failing ({@code LUDUS_TEST_SERVICES=required}, set by CI), and whether a service may be
 * started from Maven Central ({@code LUDUS_TEST_EMBEDDED=off} forbids it, to try the skip path).
 *
 * @param required        a missing service fails the test instead of skipping it
 * @param embeddedAllowed a service that is not reachable may be started by the test JVM
 */
public record ServicePolicy(boolean required, boolean embeddedAllowed) {

    /** {@code required}: never skip. Unset or {@code auto}: skip when no service can be had. */
    public static final String SERVICES_VARIABLE = "LUDUS_TEST_SERVICES";

    /** {@code off}: never start an embedded service. Unset or {@code on}: start one when needed. */
    public static final String EMBEDDED_VARIABLE = "LUDUS_TEST_EMBEDDED";

    /**
     * The policy from the settings, read through {@code setting} (a variable name to its value,
     * or null when unset).
     *
     * @throws IllegalStateException naming the variable when a value is not one of the allowed
     *                               ones: a typo must not silently turn "required" into "skip"
     */
    public static ServicePolicy from(UnaryOperator<String> setting) {
        String services = normalized(setting.apply(SERVICES_VARIABLE), "auto");
        String embedded = normalized(setting.apply(EMBEDDED_VARIABLE), "on");
        if (!services.equals("auto") && !services.equals("required")) {
            throw new IllegalStateException(SERVICES_VARIABLE + " must be 'required' or 'auto' (or unset), was '" + services + "'");
        }
        if (!embedded.equals("on") && !embedded.equals("off")) {
            throw new IllegalStateException(EMBEDDED_VARIABLE + " must be 'on' or 'off' (or unset), was '" + embedded + "'");
        }
        return new ServicePolicy(services.equals("required"), embedded.equals("on"));
    }

    /** The policy of this JVM: each variable from the environment, or a system property of the same name. */
    public static ServicePolicy current() {
        return from(TestSettings::get);
    }

    private static String normalized(String value, String unset) {
        return value == null || value.isBlank() ? unset : value.trim().toLowerCase(Locale.ROOT);
    }
}
