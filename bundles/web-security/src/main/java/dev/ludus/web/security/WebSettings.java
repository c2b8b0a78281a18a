package dev.ludus.web.security;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** Validated settings of {@value WebSecurityConfig#PID}. */
record WebSettings(String consolePath, List<Origin> allowedOrigins, String contentSecurityPolicy,
                   String consoleContentSecurityPolicy, String referrerPolicy, int maxLoginFailures,
                   Duration failureWindow, Duration lockout, Duration maxLockout, Duration headerTimeout) {

    private static final List<String> REFERRER_POLICIES = List.of("no-referrer", "same-origin", "strict-origin",
            "strict-origin-when-cross-origin", "origin", "no-referrer-when-downgrade");

    /**
     * Checks every property of {@code c}.
     *
     * @throws InvalidSettingException naming the first property out of range
     */
    static WebSettings from(WebSecurityConfig c) throws InvalidSettingException {
        String consolePath = read("consolePath", c::consolePath);
        String console = consolePath == null ? "" : consolePath.trim();
        if (!console.startsWith("/") || console.length() < 2 || console.contains(" ")) {
            throw new InvalidSettingException("consolePath", consolePath, "a path starting with /, like /system/console");
        }
        if (console.endsWith("/")) {
            console = console.substring(0, console.length() - 1);
        }
        List<Origin> origins = new ArrayList<>();
        String[] allowed = read("allowedOrigins", c::allowedOrigins);
        for (String o : allowed == null ? new String[0] : allowed) {
            if (o == null || o.isBlank()) {
                continue;
            }
            Origin parsed = Origin.parse(o.trim());
            if (parsed == null) {
                throw new InvalidSettingException("allowedOrigins", o, "scheme://host[:port], like https://ops.example.com");
            }
            origins.add(parsed);
        }
        String csp = headerValue("contentSecurityPolicy", read("contentSecurityPolicy", c::contentSecurityPolicy));
        String consoleCsp = headerValue("consoleContentSecurityPolicy",
                read("consoleContentSecurityPolicy", c::consoleContentSecurityPolicy));
        String referrerPolicy = read("referrerPolicy", c::referrerPolicy);
        String referrer = referrerPolicy == null ? "" : referrerPolicy.trim();
        if (!REFERRER_POLICIES.contains(referrer)) {
            throw new InvalidSettingException("referrerPolicy", referrerPolicy, String.join(", ", REFERRER_POLICIES));
        }
        int failures = range("maxLoginFailures", read("maxLoginFailures", c::maxLoginFailures), 1, 1000);
        int window = range("loginFailureWindowSeconds", read("loginFailureWindowSeconds", c::loginFailureWindowSeconds),
                1, 86_400);
        int lockout = range("lockoutSeconds", read("lockoutSeconds", c::lockoutSeconds), 1, 86_400);
        int maxLockout = range("maxLockoutSeconds", read("maxLockoutSeconds", c::maxLockoutSeconds), lockout, 86_400);
        int header = range("headerTimeoutSeconds", read("headerTimeoutSeconds", c::headerTimeoutSeconds), 1, 3600);
        return new WebSettings(console, List.copyOf(origins), csp, consoleCsp, referrer, failures,
                Duration.ofSeconds(window), Duration.ofSeconds(lockout), Duration.ofSeconds(maxLockout),
                Duration.ofSeconds(header));
    }

    /**
     * Reads one property. Declarative Services converts the raw value only when it is read, and
     * throws if it cannot ({@code maxLoginFailures = banana}); that becomes a refusal naming the
     * property instead of a component that fails to activate and protects nothing.
     */
    private static <T> T read(String property, Supplier<T> accessor) throws InvalidSettingException {
        try {
            return accessor.get();
        } catch (RuntimeException e) {
            throw new InvalidSettingException(property, "(not convertible: " + e.getMessage() + ")", "see the metatype");
        }
    }

    /** The metatype defaults, read from the annotation so they are written down once. */
    static WebSettings defaults() {
        WebSecurityConfig d = (WebSecurityConfig) Proxy.newProxyInstance(WebSecurityConfig.class.getClassLoader(),
                new Class<?>[] {WebSecurityConfig.class}, (proxy, method, args) -> method.getDefaultValue());
        try {
            return from(d);
        } catch (InvalidSettingException e) {
            throw new IllegalStateException("the built-in defaults of " + WebSecurityConfig.PID + " are invalid", e);
        }
    }

    private static int range(String property, int value, int min, int max) throws InvalidSettingException {
        if (value < min || value > max) {
            throw new InvalidSettingException(property, value, min + " to " + max);
        }
        return value;
    }

    private static String headerValue(String property, String value) throws InvalidSettingException {
        // A header value with a line break would let the setting inject headers; an empty one would
        // silently switch the defence off.
        if (value == null || value.isBlank() || value.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
            throw new InvalidSettingException(property, value, "a non-empty single-line header value");
        }
        return value.trim();
    }
}
