package dev.ludus.testing.services;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The end-of-build line: run by the last module of the build, it prints one line naming every
 * service whose tests were skipped, why, and how many tests, then forgets the records. It
 * prints nothing when nothing was skipped.
 */
public final class SkipReport {

    private SkipReport() {
    }

    /**
     * The line for {@code skips}, or null when there are none. Services in the order first
     * skipped; for each, its distinct reasons and the number of tests.
     */
    public static String line(List<SkipRecords.Skip> skips) {
        if (skips.isEmpty()) {
            return null;
        }
        Map<String, Set<String>> reasons = new LinkedHashMap<>();
        Map<String, Integer> tests = new LinkedHashMap<>();
        Map<String, Set<String>> classes = new LinkedHashMap<>();
        for (SkipRecords.Skip s : skips) {
            reasons.computeIfAbsent(s.service(), k -> new LinkedHashSet<>()).add(s.reason());
            tests.merge(s.service(), s.tests(), Integer::sum);
            classes.computeIfAbsent(s.service(), k -> new LinkedHashSet<>()).add(s.testClass());
        }
        StringBuilder b = new StringBuilder("!! SKIPPED service tests: ");
        String separator = "";
        for (String service : reasons.keySet()) {
            int n = tests.get(service);
            int c = classes.get(service).size();
            b.append(separator).append(service).append(" (").append(String.join("; ", reasons.get(service))).append(") — ")
                    .append(n).append(n == 1 ? " test" : " tests").append(" in ").append(c).append(c == 1 ? " class" : " classes");
            separator = "; ";
        }
        return b.append(". Set ").append(ServicePolicy.SERVICES_VARIABLE).append("=required to make this fail.").toString();
    }

    /** Prints the line for the records under {@code reactorRoot} (if any) and deletes them. */
    static void report(Path reactorRoot, PrintStream out) throws IOException {
        Path dir = SkipRecords.directoryUnder(reactorRoot);
        String line = line(SkipRecords.read(dir));
        if (line != null) {
            out.println(line);
            out.flush();
        }
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    /** {@code args[0]}: the reactor root. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: SkipReport <reactor root>");
        }
        report(Path.of(args[0]), System.out);
    }
}
