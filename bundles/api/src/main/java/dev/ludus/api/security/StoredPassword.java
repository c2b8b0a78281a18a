package dev.ludus.api.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * A password as configured, in the stored forms the Felix Web Console accepts for its own user: the
 * health bundle checks the console's password with it, and the console bundle its read-only
 * operator's, so an operator hashes every Ludus password the same way as the console's admin.
 *
 * <p>Thread safe; no state.
 */
public final class StoredPassword {

    /** The most digest rounds a stored password may ask for (the Web Console writes 1,000). */
    public static final int MAX_ITERATIONS = 1_000_000;

    private StoredPassword() {
    }

    /**
     * Compares in constant time against {@code stored}: the plain password;
     * {@code {alg}base64(digest(password))}; or {@code {alg}salt-iterations-base64(hash)}, where the
     * hash is the digest of {@code salt + password} (UTF-8) taken {@code iterations} times over (a
     * salt without iterations means one). A form that cannot be checked, a null and an empty stored
     * password match nothing.
     */
    public static boolean matches(String given, String stored) {
        if (given == null || stored == null || stored.isEmpty()) {
            return false;
        }
        byte[] expected;
        byte[] actual;
        int close = stored.indexOf('}');
        if (stored.startsWith("{") && close > 1) {
            try {
                MessageDigest digest = MessageDigest.getInstance(stored.substring(1, close));
                String rest = stored.substring(close + 1);
                String salt = "";
                int iterations = 1;
                int dash = rest.indexOf('-');
                if (dash >= 0) {
                    salt = rest.substring(0, dash);
                    rest = rest.substring(dash + 1);
                    dash = rest.indexOf('-');
                    if (dash >= 0) {
                        iterations = Integer.parseInt(rest.substring(0, dash));
                        rest = rest.substring(dash + 1);
                    }
                }
                if (iterations < 1 || iterations > MAX_ITERATIONS) {
                    return false;
                }
                expected = Base64.getDecoder().decode(rest);
                actual = (salt + given).getBytes(StandardCharsets.UTF_8);
                for (int i = 0; i < iterations; i++) {
                    actual = digest.digest(actual);
                }
            } catch (NoSuchAlgorithmException | IllegalArgumentException e) {
                return false;
            }
        } else {
            expected = stored.getBytes(StandardCharsets.UTF_8);
            actual = given.getBytes(StandardCharsets.UTF_8);
        }
        return MessageDigest.isEqual(expected, actual);
    }
}
