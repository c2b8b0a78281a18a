package dev.ludus.testing.services;

/**
 * Where test settings come from: a system property wins (so one Maven run or one test can
 * override it), then the environment variable of the same name.
 */
final class TestSettings {

    private TestSettings() {
    }

    static String get(String name) {
        String property = System.getProperty(name);
        return property != null ? property : System.getenv(name);
    }

    static String get(String name, String fallback) {
        String value = get(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }
}
