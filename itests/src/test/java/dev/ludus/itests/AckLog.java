package dev.ludus.itests;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The bot-load example's two files: its ack log ({@code <room> <version>} for every action the
 * rooms acknowledged) and its recovery report ({@code <room> <state> <version> <engineActions>
 * <actionRecords>} or {@code <room> MISSING}, written after a restart), and what one says of the
 * other.
 */
final class AckLog {

    /** What a recovery report says against the acknowledgements made before the stop. */
    record Outcome(int rooms, int missing, int lost, int twice, int notCompared, List<String> examples) {
        @Override
        public String toString() {
            return rooms + " rooms, missing " + missing + ", behind their last acknowledged version " + lost
                    + ", applied twice " + twice + (notCompared == 0 ? "" : " (" + notCompared + " finished rooms"
                    + " held without their engine: version checked, actions not compared)")
                    + (examples.isEmpty() ? "" : "; for example " + examples);
        }
    }

    private AckLog() {
    }

    /** Each room's highest acknowledged version. */
    static Map<String, Long> maxAcked(Path acks) throws Exception {
        Map<String, Long> max = new HashMap<>();
        for (String line : Files.readAllLines(acks, StandardCharsets.US_ASCII)) {
            String[] f = line.split(" ");
            if (f.length == 2) {
                max.merge(f[0], Long.parseLong(f[1]), Math::max);
            }
        }
        return max;
    }

    static long lines(Path file) throws Exception {
        try (var s = Files.lines(file, StandardCharsets.US_ASCII)) {
            return s.count();
        }
    }

    static String tail(Path file) throws Exception {
        List<String> all = Files.readAllLines(file, StandardCharsets.US_ASCII);
        return String.join("\n", all.subList(Math.max(0, all.size() - 20), all.size()));
    }

    /** Reads {@code report} against {@code acked}; fails on a room the ack log never named. */
    static Outcome check(Path report, Map<String, Long> acked, Path acks) throws Exception {
        int lost = 0;
        int twice = 0;
        int missing = 0;
        int rooms = 0;
        int notCompared = 0;
        List<String> examples = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(report, StandardCharsets.US_ASCII)) {
            String[] f = line.split(" ");
            rooms++;
            if (f[1].equals("MISSING")) {
                missing++;
                if (examples.size() < 5) {
                    examples.add(line);
                }
                continue;
            }
            long version = Long.parseLong(f[2]);
            long engineActions = Long.parseLong(f[3]);
            long actionRecords = Long.parseLong(f[4]);
            Long ackedVersion = acked.get(f[0]);
            if (ackedVersion == null) {
                throw new AssertionError("room " + f[0] + " in the report but not in the ack log:\n"
                        + Files.readString(report) + "\n--- ack log tail:\n" + tail(acks));
            }
            if (version < ackedVersion) {
                lost++;
            }
            if (engineActions == -1 && f[1].equals("FINISHED")) {
                // A finished room can be held without its engine (after its game bundle was
                // replaced, say): nothing to compare the records with, its version still counts.
                notCompared++;
                engineActions = actionRecords;
            } else if (engineActions != actionRecords) {
                twice++;
            }
            if ((version < ackedVersion || engineActions != actionRecords) && examples.size() < 5) {
                examples.add(line + " (acknowledged " + ackedVersion + ")");
            }
        }
        return new Outcome(rooms, missing, lost, twice, notCompared, examples);
    }
}
