package dev.ludus.health;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.security.StoredPassword;

/**
 * Decides whether a caller of the health endpoints may see details (reasons, figures, paths): only
 * a caller presenting the Web Console's user and password with HTTP Basic. The password may be
 * stored in the console's forms: plain, or {@code {algorithm}base64(digest)} as the launcher
 * passes it in {@code felix.webconsole.password}.
 *
 * <p>Guessing is slowed the way a lock is: after {@value #MAX_FAILURES} wrong passwords from one
 * address within {@value #WINDOW_SECONDS} s, that address's credentials are ignored until the
 * window has passed, whether right or wrong, so {@code /health} is no faster an oracle for the
 * console password than the console itself. Thread safe.
 */
final class DetailsAccess {

    private static final Logger LOG = LoggerFactory.getLogger(DetailsAccess.class);

    static final int MAX_FAILURES = 10;
    static final long WINDOW_SECONDS = 60;
    /** Bounds the memory an attacker with many addresses can make us hold. */
    private static final int MAX_TRACKED = 10_000;

    /** The console's user and stored password; {@code password} null when none is configured. */
    record Credentials(String user, String password) {
        @Override
        public String toString() {
            return "Credentials[user=" + user + "]"; // never the password
        }
    }

    private record Failures(int count, long firstMillis) {
    }

    private final Clock clock;
    private final Map<String, Failures> failures = new ConcurrentHashMap<>();

    DetailsAccess(Clock clock) {
        this.clock = clock;
    }

    /**
     * Whether the {@code Authorization} header from {@code address} carries the console's
     * credentials. No header, a malformed one, no configured password, a wrong user or password,
     * or an address that guessed too often: {@code false}.
     */
    boolean allows(String authorization, String address, Credentials expected) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        long now = clock.millis();
        Failures f = failures.get(address);
        if (f != null && now - f.firstMillis() >= WINDOW_SECONDS * 1000) {
            failures.remove(address, f);
            f = null;
        }
        if (f != null && f.count() >= MAX_FAILURES) {
            return false;
        }
        if (matches(authorization.substring(6).trim(), expected)) {
            return true;
        }
        recordFailure(address, now);
        return false;
    }

    private void recordFailure(String address, long now) {
        if (failures.size() >= MAX_TRACKED) {
            failures.values().removeIf(x -> now - x.firstMillis() >= WINDOW_SECONDS * 1000);
            if (failures.size() >= MAX_TRACKED) {
                failures.clear();
            }
        }
        Failures after = failures.merge(address, new Failures(1, now),
                (old, one) -> new Failures(old.count() + 1, old.firstMillis()));
        if (after.count() == MAX_FAILURES) {
            LOG.warn("health: {} wrong console passwords from {} for health details; its credentials are ignored"
                    + " for up to {} s", MAX_FAILURES, address, WINDOW_SECONDS);
        }
    }

    private static boolean matches(String basic, Credentials expected) {
        if (expected == null || expected.password() == null || expected.password().isEmpty()) {
            return false;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(basic), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return false;
        }
        boolean userOk = MessageDigest.isEqual(decoded.substring(0, colon).getBytes(StandardCharsets.UTF_8),
                expected.user().getBytes(StandardCharsets.UTF_8));
        boolean passwordOk = StoredPassword.matches(decoded.substring(colon + 1), expected.password());
        return userOk & passwordOk;
    }
}
