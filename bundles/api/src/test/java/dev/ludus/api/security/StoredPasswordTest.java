package dev.ludus.api.security;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

import org.junit.Test;

public class StoredPasswordTest {

    private static String digest(String text, int times) throws Exception {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < times; i++) {
            b = MessageDigest.getInstance("SHA-256").digest(b);
        }
        return Base64.getEncoder().encodeToString(b);
    }

    @Test
    public void everyFormTheWebConsoleAcceptsMatchesOnlyItsPassword() throws Exception {
        assertTrue(StoredPassword.matches("look", "look"));
        assertTrue(StoredPassword.matches("look", "{sha-256}" + digest("look", 1)));
        assertTrue(StoredPassword.matches("look", "{sha-256}pepper-1000-" + digest("pepperlook", 1000)));
        assertFalse(StoredPassword.matches("touch", "look"));
        assertFalse(StoredPassword.matches("touch", "{sha-256}" + digest("look", 1)));
        assertFalse(StoredPassword.matches("look", "{sha-256}pepper-999-" + digest("pepperlook", 1000)));
    }

    /**
     * A password changed in the Web Console's settings is stored by the console salted and hashed
     * 1,000 times (this value is the console's own, written for "changed in the console").
     */
    @Test
    public void thePasswordTheConsoleStoresSaltedAndIteratedMatchesOnlyItself() {
        String stored = "{sha-256}25b460efc2478639-1000-uLzZnaWvgJlwgVDxZT9SA5y7HdruLh9cPLXEmLIiD4o=";
        assertTrue(StoredPassword.matches("changed in the console", stored));
        assertFalse(StoredPassword.matches("changed in the consol", stored));
        assertFalse(StoredPassword.matches("", stored));
        assertFalse("iterations beyond the cap match nothing",
                StoredPassword.matches("x", "{sha-256}abcd-2000000000-uLzZnaWvgJlwgVDxZT9SA5y7HdruLh9cPLXEmLIiD4o="));
        assertFalse("a bad count matches nothing", StoredPassword.matches("x", "{sha-256}abcd-many-AAAA"));
    }

    @Test
    public void anEmptyOrUncheckableStoredFormMatchesNothing() {
        assertFalse(StoredPassword.matches("", ""));
        assertFalse(StoredPassword.matches("x", null));
        assertFalse(StoredPassword.matches("x", "{no-such-digest}abc"));
        assertFalse(StoredPassword.matches("x", "{sha-256}salt-0-abc"));
    }
}
