package dev.ludus.itests;

import java.util.concurrent.Callable;

/** Polls a condition until it holds or a deadline passes; the failure says what was awaited. */
final class Wait {

    private Wait() {
    }

    static void until(String what, long timeoutMillis, Callable<Boolean> condition) throws Exception {
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
        AssertionError e = new AssertionError("timed out after " + timeoutMillis + " ms waiting for: " + what);
        if (last != null) {
            e.initCause(last);
        }
        throw e;
    }
}
