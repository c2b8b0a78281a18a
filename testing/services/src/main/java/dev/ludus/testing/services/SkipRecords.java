package dev.ludus.testing.services;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Skipped service tests written down where the end-of-build report finds them: one small
 * properties file per skipped test class, in {@code target/test-services/skipped/} of the
 * reactor root (found from the test's working folder), or in the folder named by the system
 * property {@value #DIRECTORY_PROPERTY}.
 */
public final class SkipRecords {

    /** Overrides the folder the records go to. */
    public static final String DIRECTORY_PROPERTY = "ludus.test.services.records";

    private SkipRecords() {
    }

    /**
     * One skipped test class.
     *
     * @param service   the service's display name
     * @param reason    why it could not be had
     * @param testClass the class whose tests were skipped
     * @param tests     how many tests
     */
    public record Skip(String service, String reason, String testClass, int tests) {
    }

    /** Records a skip. A record that cannot be written fails the test: a silent skip is what this prevents. */
    static void record(Service service, String reason, Class<?> testClass, int tests) {
        Path dir = directory();
        Properties p = new Properties();
        p.setProperty("service", service.displayName());
        p.setProperty("reason", reason);
        p.setProperty("testClass", testClass.getName());
        p.setProperty("tests", Integer.toString(tests));
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(testClass.getSimpleName() + "-" + UUID.randomUUID() + ".skip");
            try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                p.store(w, null);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the skipped tests of " + testClass.getName() + " in " + dir, e);
        }
    }

    /** The records in {@code dir}, oldest file name first; none when the folder does not exist. */
    public static List<Skip> read(Path dir) throws IOException {
        List<Skip> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".skip")).sorted().toList()) {
                Properties p = new Properties();
                try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                    p.load(r);
                }
                out.add(new Skip(p.getProperty("service", "?"), p.getProperty("reason", "?"), p.getProperty("testClass", "?"),
                        Integer.parseInt(p.getProperty("tests", "0"))));
            }
        }
        return out;
    }

    /** The folder this JVM records to. */
    public static Path directory() {
        String configured = System.getProperty(DIRECTORY_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return directoryUnder(reactorRoot(Path.of(System.getProperty("user.dir"))));
    }

    /** The records folder of a reactor root. */
    public static Path directoryUnder(Path reactorRoot) {
        return reactorRoot.resolve("target").resolve("test-services").resolve("skipped");
    }

    /**
     * The reactor root: the nearest folder, from {@code start} upwards, that holds this module
     * ({@code testing/services/pom.xml}); {@code start} if none does. (Not "the topmost folder
     * with a pom.xml": module folders such as {@code testing/} have none.)
     */
    static Path reactorRoot(Path start) {
        Path from = start.toAbsolutePath().normalize();
        for (Path p = from; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("testing").resolve("services").resolve("pom.xml"))) {
                return p;
            }
        }
        return from;
    }
}
