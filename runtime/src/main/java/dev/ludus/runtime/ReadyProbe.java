package dev.ludus.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.IntPredicate;

/** Polls an HTTP endpoint, {@code /health/ready} normally, until it answers what the caller waits for. */
final class ReadyProbe {

    /** What the endpoint last answered: status -1 while nothing listens. */
    record Answer(int status, String body) {
        static final Answer NOTHING = new Answer(-1, "");
    }

    private ReadyProbe() {
    }

    /**
     * Polls until {@code done} accepts an answer, the deadline passes, or {@code abort} turns true.
     *
     * @return the last answer; {@link Answer#NOTHING} if the endpoint never answered
     */
    static Answer await(URI uri, IntPredicate done, long deadlineNanos, BooleanSupplier abort)
            throws InterruptedException {
        Answer last = Answer.NOTHING;
        while (System.nanoTime() < deadlineNanos && !abort.getAsBoolean()) {
            Answer a = get(uri, null);
            if (a.status() >= 0) {
                last = a;
                if (done.test(a.status())) {
                    return a;
                }
            }
            Thread.sleep(25);
        }
        return last;
    }

    /** One GET, with an {@code Authorization} header if given. */
    static Answer get(URI uri, String authorization) {
        try {
            HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(2000);
            if (authorization != null) {
                c.setRequestProperty("Authorization", authorization);
            }
            int code = c.getResponseCode();
            String body;
            try (InputStream in = code >= 400 ? c.getErrorStream() : c.getInputStream()) {
                body = in == null ? "" : new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
            }
            c.disconnect();
            return new Answer(code, body);
        } catch (IOException e) {
            return Answer.NOTHING; // not listening yet
        }
    }
}
