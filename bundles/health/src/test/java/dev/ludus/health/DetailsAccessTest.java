package dev.ludus.health;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;

import org.junit.Test;

public class DetailsAccessTest {

    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        long millis = 1_000_000;

        @Override public ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(ZoneId zone) { return this; }
        @Override public Instant instant() { return Instant.ofEpochMilli(millis); }
    }

    private final ManualClock clock = new ManualClock();
    private final DetailsAccess access = new DetailsAccess(clock);

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** The form the launcher passes to the Web Console in felix.webconsole.password. */
    private static String sha256(String password) throws Exception {
        byte[] d = MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
        return "{sha-256}" + Base64.getEncoder().encodeToString(d);
    }

    @Test
    public void theConsoleUserAndPasswordOpenDetailsWhetherStoredHashedOrPlain() throws Exception {
        assertTrue(access.allows(basic("admin", "s3cret pass:word"), "10.0.0.1",
                new DetailsAccess.Credentials("admin", sha256("s3cret pass:word"))));
        assertTrue(access.allows(basic("ops", "plain"), "10.0.0.1", new DetailsAccess.Credentials("ops", "plain")));
        assertTrue("the scheme is case-insensitive", access.allows(basic("ops", "plain").replace("Basic", "basic"),
                "10.0.0.1", new DetailsAccess.Credentials("ops", "plain")));
    }

    @Test
    public void wrongOrMissingCredentialsOpenNothing() throws Exception {
        DetailsAccess.Credentials console = new DetailsAccess.Credentials("admin", sha256("right"));
        assertFalse(access.allows(null, "a", console));
        assertFalse(access.allows(basic("admin", "wrong"), "a", console));
        assertFalse(access.allows(basic("root", "right"), "a", console));
        assertFalse("the hash itself is not the password", access.allows(basic("admin", sha256("right")), "a", console));
        assertFalse(access.allows("Basic !!!not base64", "a", console));
        assertFalse(access.allows("Bearer abc", "a", console));
        assertFalse(access.allows(basic("admin", "right"), "a", new DetailsAccess.Credentials("admin", "{md77}abc")));
        assertFalse("no configured password: the console default admin/admin opens nothing",
                access.allows(basic("admin", "admin"), "a", new DetailsAccess.Credentials("admin", null)));
    }

    @Test
    public void anAddressThatGuessesTooOftenIsIgnoredUntilTheWindowPasses() throws Exception {
        DetailsAccess.Credentials console = new DetailsAccess.Credentials("admin", sha256("right"));
        for (int i = 0; i < DetailsAccess.MAX_FAILURES; i++) {
            assertFalse(access.allows(basic("admin", "guess" + i), "10.9.9.9", console));
        }
        assertFalse("even the right password is ignored while locked",
                access.allows(basic("admin", "right"), "10.9.9.9", console));
        assertTrue("other addresses are not affected", access.allows(basic("admin", "right"), "10.0.0.2", console));
        clock.millis += DetailsAccess.WINDOW_SECONDS * 1000;
        assertTrue(access.allows(basic("admin", "right"), "10.9.9.9", console));
    }
}
