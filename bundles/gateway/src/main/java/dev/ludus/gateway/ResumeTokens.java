package dev.ludus.gateway;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed, expiring resume tokens: {@code v1.<playerId>.<expiresAtSeconds>.<HMAC-SHA256>}. A token
 * proves who a player is without server state, so it survives a restart of the gateway or of the
 * process as long as the key file does. Thread safe.
 */
final class ResumeTokens {

    static final int KEY_BYTES = 32;
    private static final String ALGORITHM = "HmacSHA256";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    /** The outcome of {@link #verify}: the player id, or why the token is refused. */
    record Verified(String playerId, String error) {
        boolean ok() {
            return error == null;
        }
    }

    private final SecretKeySpec key;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    ResumeTokens(byte[] key, Clock clock) {
        if (key.length < KEY_BYTES) {
            throw new IllegalArgumentException("a resume key has at least " + KEY_BYTES + " bytes");
        }
        this.key = new SecretKeySpec(key.clone(), ALGORITHM);
        this.clock = clock;
    }

    /** A new random player id: 128 bits, URL-safe. */
    String newPlayerId() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return B64.encodeToString(b);
    }

    /** A token for {@code playerId} that expires {@code ttlSeconds} from now. */
    String issue(String playerId, long ttlSeconds) {
        long expires = clock.instant().getEpochSecond() + ttlSeconds;
        String body = "v1." + playerId + "." + expires;
        return body + "." + B64.encodeToString(sign(body));
    }

    /** Epoch seconds at which a token issued now expires. */
    long expiresAt(long ttlSeconds) {
        return clock.instant().getEpochSecond() + ttlSeconds;
    }

    Verified verify(String token) {
        if (token == null || token.length() > 512) {
            return new Verified(null, Codes.BAD_TOKEN);
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 4 || !"v1".equals(parts[0]) || parts[1].isEmpty()) {
            return new Verified(null, Codes.BAD_TOKEN);
        }
        String body = parts[0] + "." + parts[1] + "." + parts[2];
        byte[] given;
        try {
            given = Base64.getUrlDecoder().decode(parts[3]);
        } catch (IllegalArgumentException e) {
            return new Verified(null, Codes.BAD_TOKEN);
        }
        if (!MessageDigest.isEqual(sign(body), given)) {
            return new Verified(null, Codes.BAD_TOKEN);
        }
        long expires;
        try {
            expires = Long.parseLong(parts[2]);
        } catch (NumberFormatException e) {
            return new Verified(null, Codes.BAD_TOKEN);
        }
        if (clock.instant().getEpochSecond() >= expires) {
            return new Verified(parts[1], Codes.TOKEN_EXPIRED);
        }
        return new Verified(parts[1], null);
    }

    private byte[] sign(String body) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(body.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    /**
     * Reads the key from {@code file}, or creates it (random, owner-only permissions, fsynced) when it
     * does not exist. Two processes creating it at once end up with the same key.
     *
     * @throws IOException if the file cannot be read or written, or holds fewer than 32 bytes
     */
    static byte[] loadOrCreateKey(Path file) throws IOException {
        if (!Files.exists(file)) {
            Files.createDirectories(file.getParent());
            byte[] key = new byte[KEY_BYTES];
            new SecureRandom().nextBytes(key);
            Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.wrap(key));
                ch.force(true);
            }
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the directory's protection applies
            }
            try {
                // A hard link never replaces an existing file: whoever links first wins, everyone reads that key.
                Files.createLink(file, tmp);
            } catch (FileAlreadyExistsException e) {
                // another process created it first
            } catch (UnsupportedOperationException e) {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            forceDirectory(file.getParent());
        }
        byte[] key = Files.readAllBytes(file);
        if (key.length < KEY_BYTES) {
            throw new IOException("resume key " + file + " holds " + key.length + " bytes, expected " + KEY_BYTES
                    + "; delete it to generate a new one (tokens issued with it stop working)");
        }
        return key;
    }

    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // some platforms cannot open directories; the rename is still atomic
        }
    }
}
