package dev.ludus.runtime;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.function.BooleanSupplier;

/** Waits until the HTTP server answers {@code GET /health} with any status. */
final class ReadyProbe {

    private ReadyProbe() {
    }

    /**
     * Polls until the health endpoint answers, the deadline passes, or {@code abort} turns true.
     *
     * @return the HTTP status the endpoint answered, or -1 if it never did
     */
    static int await(URI health, long deadlineNanos, BooleanSupplier abort) throws InterruptedException {
        while (System.nanoTime() < deadlineNanos && !abort.getAsBoolean()) {
            try {
                HttpURLConnection c = (HttpURLConnection) health.toURL().openConnection();
                c.setConnectTimeout(500);
                c.setReadTimeout(2000);
                int code = c.getResponseCode();
                c.disconnect();
                // 404 means Jetty is up but the health servlet is not registered yet.
                if (code != 404) {
                    return code;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(25);
        }
        return -1;
    }
}
