package dev.ludus.itests;

import java.util.concurrent.Callable;

/** Polls a condition until it holds or a deadline passes; the failure says what was awaited. */
final class Wait {

    private Wait() {
    }

    static void until(String what, long timeoutMillis, Callable<Boolean> condition) throws Exception {
        until(what, timeoutMillis, condition, null);
    }

    /**
     * As {@link #until(String, long, Callable)}; on a time-out the failure also carries what
     * {@code state} says then, so a wait that never ends shows which part of its condition failed.
     */
    static void until(String what, long timeoutMillis, Callable<Boolean> condition, Callable<Object> state)
            throws Exception {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (Boolean.TRUE.equals(condition.call())) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(50);
        }
        String seen = "";
        if (state != null) {
            try {
                seen = "; last seen: " + state.call();
            } catch (Exception ex) {
                seen = "; last seen: (unreadable: " + ex + ")";
            }
        }
        AssertionError e = new AssertionError("timed out after " + timeoutMillis + " ms waiting for: " + what + seen);
        if (last != null) {
            e.initCause(last);
        }
        throw e;
    }
}
