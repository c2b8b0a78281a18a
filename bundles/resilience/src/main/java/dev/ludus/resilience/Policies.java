package dev.ludus.resilience;

/** Small helpers of the policies. */
final class Policies {

    private Policies() {
    }

    /**
     * Throws {@code t} as it is: a call's checked exception is the caller's declared {@code E}, the
     * only checked exception its call can throw, so the caller sees its own failure unwrapped.
     */
    @SuppressWarnings("unchecked")
    static <E extends Throwable> RuntimeException rethrow(Throwable t) throws E {
        throw (E) t;
    }
}
