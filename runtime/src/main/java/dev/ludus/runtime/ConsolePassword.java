package dev.ludus.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Set;

/**
 * The Web Console password. Never the well-known default: it comes from
 * {@code LUDUS_CONSOLE_PASSWORD}, or from {@code $LUDUS_DATA/console.password}, which is generated
 * (random, mode 600) on first start. The framework only ever sees its SHA-256 hash.
 */
final class ConsolePassword {

    static final String ENV = "LUDUS_CONSOLE_PASSWORD";
    static final String FILE_NAME = "console.password";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    /** The password and a sentence telling an operator where it came from. */
    record Resolved(String password, String source, boolean generated) {
        /** The form the Felix Web Console accepts for {@code felix.webconsole.password}. */
        String hashed() {
            return hash(password);
        }
    }

    private ConsolePassword() {
    }

    static Resolved resolve(Map<String, String> env, Path dataDir) throws IOException {
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return new Resolved(fromEnv, "from " + ENV, false);
        }
        Path file = dataDir.resolve(FILE_NAME);
        if (Files.isRegularFile(file)) {
            String stored = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (stored.isEmpty()) {
                throw new IOException(file + " is empty: delete it to generate a new password, or set " + ENV);
            }
            restrict(file);
            return new Resolved(stored, "in " + file, false);
        }
        String generated = generate();
        Files.createDirectories(dataDir);
        Path tmp = dataDir.resolve(FILE_NAME + ".tmp");
        Files.deleteIfExists(tmp);
        if (posix(dataDir)) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } else {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, generated + "\n", StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file);
        }
        return new Resolved(generated, "generated into " + file, true);
    }

    private static void restrict(Path file) throws IOException {
        if (posix(file) && !Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
            Files.setPosixFilePermissions(file, OWNER_ONLY);
        }
    }

    private static boolean posix(Path p) {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix") && p.getFileSystem() == FileSystems.getDefault();
    }

    static String generate() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String hash(String password) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
            return "{sha-256}" + Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The shortest password a console reachable from other machines is given. */
    static final int MIN_LENGTH = 12;

    /**
     * Whether the password will do for a console listening on {@code host}: null if so, else the
     * sentence why not. The console can install bundles, that is run any code as the node, so a
     * console that other machines reach (any address but a loopback one) is refused a password
     * shorter than {@value #MIN_LENGTH} characters; on a loopback address a short one is only
     * {@linkplain #weakOnLoopback warned about}.
     */
    static String unfitFor(String host, Resolved password) {
        if (password.password().length() >= MIN_LENGTH || isLoopback(host)) {
            return null;
        }
        return "the Web Console listens on " + host + ", which other machines may reach, and its password "
                + password.source() + " has " + password.password().length() + " characters: use at least "
                + MIN_LENGTH + " (unset " + ENV + " and delete " + FILE_NAME + " to have one generated)";
    }

    /** The warning for a short password on a loopback address, or null. */
    static String weakOnLoopback(String host, Resolved password) {
        if (password.password().length() >= MIN_LENGTH || !isLoopback(host)) {
            return null;
        }
        return "the Web Console password " + password.source() + " has " + password.password().length()
                + " characters; it is refused below " + MIN_LENGTH + " once LUDUS_HTTP_HOST is not a loopback address";
    }

    /** 127.0.0.0/8, ::1 and names that resolve only to them; an unresolvable name is not. */
    static boolean isLoopback(String host) {
        try {
            java.net.InetAddress[] all = java.net.InetAddress.getAllByName(host);
            for (java.net.InetAddress a : all) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return all.length > 0;
        } catch (java.net.UnknownHostException | SecurityException e) {
            return false;
        }
    }
}
