package dev.ludus.resilience;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.ludus.config.support.ConfigReader;

/**
 * A policy's settings, read from a configuration's properties and checked. Every setting has a
 * default; a value that cannot be read or is out of range refuses the whole configuration (the
 * policy keeps what it had), with a message naming the setting, the value and the range.
 *
 * @param failureRatePercent  the breaker opens when this share of its window failed (1–100)
 * @param windowCalls         the breaker's window: the last this many calls (1–10000)
 * @param minimumCalls        calls in the window before the rate counts (1–10000)
 * @param slowCallMillis      a call slower than this counts as failed for the breaker (0: never)
 * @param openMillis          how long an open breaker refuses before trying again (100–3600000)
 * @param halfOpenCalls       trial calls once the open time has passed (1–100)
 * @param attempts            tries per call, the first included (1–20)
 * @param retryWaitMillis     the wait before the second try (0–600000)
 * @param retryMultiplier     each further wait is this many times the last (1–10)
 * @param retryJitter         each wait varies at random by up to this share of itself (0–0.9)
 * @param retryMaxWaitMillis  the longest wait between tries (0–3600000)
 * @param timeoutMillis       time limit per attempt; the call then runs on a thread of the policy's (0: none)
 * @param maxConcurrent       calls at once past which calls are refused (0: no bulkhead)
 * @param callsPerSecond      calls a second past which calls are refused (0: no rate limit)
 */
record PolicySettings(int failureRatePercent, int windowCalls, int minimumCalls, long slowCallMillis, long openMillis,
                      int halfOpenCalls, int attempts, long retryWaitMillis, double retryMultiplier, double retryJitter,
                      long retryMaxWaitMillis, long timeoutMillis, int maxConcurrent, int callsPerSecond) {

    static final PolicySettings DEFAULTS = new PolicySettings(50, 20, 10, 0, 10_000, 3, 3, 200, 2.0, 0.5, 10_000, 0, 0, 0);

    /** The settings' names, as written in a configuration. */
    static final Set<String> NAMES = Set.of("failureRatePercent", "windowCalls", "minimumCalls", "slowCallMillis",
            "openMillis", "halfOpenCalls", "attempts", "retryWaitMillis", "retryMultiplier", "retryJitter",
            "retryMaxWaitMillis", "timeoutMillis", "maxConcurrent", "callsPerSecond");

    /** A configuration refused, with every reason. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Reads the settings from a configuration's properties over {@code base} (a policy's own
     * configuration over the defaults of every policy). Properties that are not settings (the
     * policy's name, the framework's and FileInstall's own) are left alone.
     */
    static PolicySettings read(Map<String, ?> props, PolicySettings base) throws Refused {
        ConfigReader r = new ConfigReader(props);
        List<String> problems = r.problems();
        PolicySettings s = new PolicySettings(
                (int) r.whole("failureRatePercent", base.failureRatePercent, 1, 100),
                (int) r.whole("windowCalls", base.windowCalls, 1, 10_000),
                (int) r.whole("minimumCalls", base.minimumCalls, 1, 10_000),
                r.whole("slowCallMillis", base.slowCallMillis, 0, 3_600_000),
                r.whole("openMillis", base.openMillis, 100, 3_600_000),
                (int) r.whole("halfOpenCalls", base.halfOpenCalls, 1, 100),
                (int) r.whole("attempts", base.attempts, 1, 20),
                r.whole("retryWaitMillis", base.retryWaitMillis, 0, 600_000),
                r.decimal("retryMultiplier", base.retryMultiplier, 1, 10),
                r.decimal("retryJitter", base.retryJitter, 0, 0.9),
                r.whole("retryMaxWaitMillis", base.retryMaxWaitMillis, 0, 3_600_000),
                r.whole("timeoutMillis", base.timeoutMillis, 0, 3_600_000),
                (int) r.whole("maxConcurrent", base.maxConcurrent, 0, 100_000),
                (int) r.whole("callsPerSecond", base.callsPerSecond, 0, 1_000_000));
        if (problems.isEmpty() && s.minimumCalls > s.windowCalls) {
            problems.add("minimumCalls (" + s.minimumCalls + ") must not exceed windowCalls (" + s.windowCalls + ")");
        }
        if (!problems.isEmpty()) {
            throw new Refused(String.join("; ", problems));
        }
        return s;
    }


    /** The settings as an operator would write them, those that differ from the defaults only. */
    String describe() {
        List<String> parts = new ArrayList<>();
        parts.add("breaker " + failureRatePercent + "% of " + windowCalls + " calls (at least " + minimumCalls + ")"
                + (slowCallMillis > 0 ? ", slower than " + slowCallMillis + " ms failing" : "")
                + ", open " + openMillis + " ms, " + halfOpenCalls + " trial calls");
        parts.add(attempts == 1 ? "no retries" : attempts + " attempts, waits from " + retryWaitMillis + " ms ×"
                + String.format(Locale.ROOT, "%.2g", retryMultiplier) + " up to " + retryMaxWaitMillis + " ms, jitter "
                + String.format(Locale.ROOT, "%.2g", retryJitter));
        if (timeoutMillis > 0) {
            parts.add("time limit " + timeoutMillis + " ms");
        }
        if (maxConcurrent > 0) {
            parts.add("at most " + maxConcurrent + " at once");
        }
        if (callsPerSecond > 0) {
            parts.add("at most " + callsPerSecond + " a second");
        }
        return String.join("; ", parts);
    }
}
