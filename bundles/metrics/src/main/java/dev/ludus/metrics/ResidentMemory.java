package dev.ludus.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's resident memory, from the {@code VmRSS} line of Linux's {@code /proc/self/status}
 * (what {@code ps} and {@code top} call RSS): heap, metaspace, code, thread stacks and direct
 * buffers that are actually in memory. The JDK's beans have no such figure.
 */
final class ResidentMemory {

    /** What {@link #read} answers when the figure is unknown. */
    static final long UNKNOWN = -1;

    private ResidentMemory() {
    }

    /** The resident bytes from a status file; {@link #UNKNOWN} when there is none or it has no {@code VmRSS}. */
    static long read(Path status) {
        try {
            return parse(Files.readString(status, StandardCharsets.US_ASCII));
        } catch (IOException | SecurityException e) {
            return UNKNOWN;
        }
    }

    /** The {@code VmRSS:   123456 kB} line of a status text, in bytes; {@link #UNKNOWN} without one. */
    static long parse(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                try {
                    long value = Long.parseLong(parts[0]);
                    return parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? value * 1024 : value;
                } catch (NumberFormatException e) {
                    return UNKNOWN;
                }
            }
        }
        return UNKNOWN;
    }
}
