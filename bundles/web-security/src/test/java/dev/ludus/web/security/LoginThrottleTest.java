package dev.ludus.web.security;

import static org.junit.Assert.assertEquals;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import org.junit.Test;

public class LoginThrottleTest {

    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    private final ManualClock clock = new ManualClock();

    private LoginThrottle throttle(Map<String, Object> overrides) throws Exception {
        return new LoginThrottle(clock, WebSettings.from(TestConfig.with(overrides)));
    }

    @Test
    public void locksOutAfterMaxFailuresAndDoublesUpToTheCap() throws Exception {
        LoginThrottle t = throttle(Map.of("maxLoginFailures", 3, "lockoutSeconds", 10, "maxLockoutSeconds", 25));
        for (int i = 0; i < 2; i++) {
            t.failed("10.0.0.1");
        }
        assertEquals(Duration.ZERO, t.lockedFor("10.0.0.1"));
        t.failed("10.0.0.1");
        assertEquals(Duration.ofSeconds(10), t.lockedFor("10.0.0.1"));
        assertEquals("another address is unaffected", Duration.ZERO, t.lockedFor("10.0.0.2"));
        clock.advance(Duration.ofSeconds(10));
        assertEquals(Duration.ZERO, t.lockedFor("10.0.0.1"));
        for (int i = 0; i < 3; i++) {
            t.failed("10.0.0.1");
        }
        assertEquals("second lockout doubles", Duration.ofSeconds(20), t.lockedFor("10.0.0.1"));
        clock.advance(Duration.ofSeconds(20));
        for (int i = 0; i < 3; i++) {
            t.failed("10.0.0.1");
        }
        assertEquals("third lockout is capped", Duration.ofSeconds(25), t.lockedFor("10.0.0.1"));
        assertEquals(3, t.lockoutsTotal());
        assertEquals(1, t.lockedAddresses());
    }

    @Test
    public void failuresOutsideTheWindowAreForgotten() throws Exception {
        LoginThrottle t = throttle(Map.of("maxLoginFailures", 3, "loginFailureWindowSeconds", 60));
        t.failed("a");
        t.failed("a");
        clock.advance(Duration.ofSeconds(61));
        t.failed("a");
        t.failed("a");
        assertEquals(Duration.ZERO, t.lockedFor("a"));
        t.failed("a");
        assertEquals(Duration.ofSeconds(30), t.lockedFor("a"));
    }

    @Test
    public void aSuccessfulLoginStartsTheCountOver() throws Exception {
        LoginThrottle t = throttle(Map.of("maxLoginFailures", 3));
        t.failed("a");
        t.failed("a");
        t.succeeded("a");
        t.failed("a");
        t.failed("a");
        assertEquals(Duration.ZERO, t.lockedFor("a"));
    }

    @Test
    public void lockDurationDoublesWithoutOverflow() throws Exception {
        WebSettings s = WebSettings.from(TestConfig.with(Map.of("lockoutSeconds", 30, "maxLockoutSeconds", 900)));
        assertEquals(Duration.ofSeconds(30), LoginThrottle.lockDuration(s, 1));
        assertEquals(Duration.ofSeconds(60), LoginThrottle.lockDuration(s, 2));
        assertEquals(Duration.ofSeconds(480), LoginThrottle.lockDuration(s, 5));
        assertEquals(Duration.ofSeconds(900), LoginThrottle.lockDuration(s, 6));
        assertEquals(Duration.ofSeconds(900), LoginThrottle.lockDuration(s, 1_000_000));
    }
}
