package dev.ludus.web.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts wrong passwords per client address and locks an address out once it has too many within
 * a window. The lock doubles with each further lockout of the same address, up to a cap, and a
 * correct password does not lift it early. Thread safe; state is in memory only (a restart forgets
 * it, which is acceptable: restarts are slower than the lockouts).
 */
final class LoginThrottle {

    private static final Logger LOG = LoggerFactory.getLogger(LoginThrottle.class);
    /** Addresses tracked at most; beyond it stale entries are dropped first, then new addresses go untracked. */
    static final int MAX_TRACKED = 10_000;

    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong lockoutsTotal = new AtomicLong();
    private final AtomicLong refusedTotal = new AtomicLong();
    private volatile WebSettings settings;

    /** One address: failures in the current window, the lock, and how many lockouts it has had. */
    private static final class Entry {
        Instant windowStart;
        int failures;
        Instant lockedUntil = Instant.MIN;
        int lockouts;
        Instant lastSeen;
    }

    LoginThrottle(Clock clock, WebSettings settings) {
        this.clock = clock;
        this.settings = settings;
    }

    void update(WebSettings s) {
        this.settings = s;
    }

    /**
     * How long {@code address} must still wait, or {@link Duration#ZERO} if it is not locked. A
     * positive answer is counted as a refused request.
     */
    Duration lockedFor(String address) {
        Entry e = entries.get(address);
        if (e == null) {
            return Duration.ZERO;
        }
        synchronized (e) {
            Duration left = Duration.between(clock.instant(), e.lockedUntil);
            if (left.isNegative() || left.isZero()) {
                return Duration.ZERO;
            }
            refusedTotal.incrementAndGet();
            return left;
        }
    }

    /** Records a wrong password from {@code address}; may start a lockout (logged once). */
    void failed(String address) {
        Instant now = clock.instant();
        WebSettings s = settings;
        Entry e = entries.get(address);
        if (e == null) {
            if (entries.size() >= MAX_TRACKED) {
                purge(now, s);
                if (entries.size() >= MAX_TRACKED) {
                    return;
                }
            }
            e = entries.computeIfAbsent(address, a -> new Entry());
        }
        synchronized (e) {
            e.lastSeen = now;
            if (e.windowStart == null || now.isAfter(e.windowStart.plus(s.failureWindow()))) {
                e.windowStart = now;
                e.failures = 0;
            }
            e.failures++;
            if (e.failures < s.maxLoginFailures()) {
                return;
            }
            e.lockouts++;
            Duration lock = lockDuration(s, e.lockouts);
            e.lockedUntil = now.plus(lock);
            e.failures = 0;
            e.windowStart = null;
            lockoutsTotal.incrementAndGet();
            LOG.warn("Login lockout: address {} sent {} wrong passwords within {} s; refused for {} s (lockout {} of this"
                            + " address)", address, s.maxLoginFailures(), s.failureWindow().toSeconds(), lock.toSeconds(),
                    e.lockouts);
        }
    }

    /** Records a successful login from an address that is not locked: its count starts over. */
    void succeeded(String address) {
        entries.remove(address);
    }

    static Duration lockDuration(WebSettings s, int lockouts) {
        long seconds = s.lockout().toSeconds();
        for (int i = 1; i < lockouts && seconds < s.maxLockout().toSeconds(); i++) {
            seconds *= 2;
        }
        return Duration.ofSeconds(Math.min(seconds, s.maxLockout().toSeconds()));
    }

    /** Drops addresses that are neither locked nor have a failure inside the window. */
    private void purge(Instant now, WebSettings s) {
        // The doubling is kept for as long as the longest lockout, so an address cannot reset it by waiting briefly.
        entries.entrySet().removeIf(en -> {
            Entry e = en.getValue();
            synchronized (e) {
                return now.isAfter(e.lockedUntil) && e.lastSeen != null
                        && now.isAfter(e.lastSeen.plus(s.failureWindow()).plus(s.maxLockout()));
            }
        });
    }

    int lockedAddresses() {
        Instant now = clock.instant();
        int n = 0;
        for (Entry e : entries.values()) {
            synchronized (e) {
                if (now.isBefore(e.lockedUntil)) {
                    n++;
                }
            }
        }
        return n;
    }

    long lockoutsTotal() {
        return lockoutsTotal.get();
    }

    long refusedTotal() {
        return refusedTotal.get();
    }
}
