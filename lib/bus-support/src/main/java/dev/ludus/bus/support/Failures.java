package dev.ludus.bus.support;

/** How a bus names a failure in its errors, health and logs. */
public final class Failures {

    private Failures() {
    }

    /**
     * The innermost message of a failure (broker clients wrap the cause, e.g. {@code Connection
     * refused}), or its type when it has none.
     */
    public static String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return m == null || m.isBlank() ? root.getClass().getSimpleName() : m;
    }
}
