package dev.ludus.gateway;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many WebSocket connections the gateway holds, in all and per IP address. The total's default
 * comes from the file descriptors the process may open: every connection is one, and a limit at or
 * above the descriptor limit means the process runs out of descriptors (and fails to open its own
 * files) before it ever answers 503. Thread safe.
 */
final class ConnectionLimits {

    /** Used when the descriptor limit cannot be read (not a Unix JVM). */
    static final long UNKNOWN_FD_LIMIT = 4096;

    private final Map<String, Integer> perAddress = new ConcurrentHashMap<>();

    /**
     * The process's file-descriptor limit, or -1 when the JVM does not tell. Read from the JDK's
     * operating-system bean directly: going through the platform MBean server would create it and
     * register every platform bean first, a few tens of milliseconds of the node's start.
     */
    static long fileDescriptorLimit() {
        try {
            return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean u
                    ? u.getMaxFileDescriptorCount() : -1;
        } catch (RuntimeException | LinkageError e) { // com.sun.management is an optional import
            return -1;
        }
    }

    /**
     * The connection limit for a setting: the setting when positive, else the descriptor limit less
     * a reserve of a tenth (at least 256) for the event log, archives, jars and HTTP sockets.
     */
    static int effectiveMax(int configured, long fdLimit) {
        if (configured > 0) {
            return configured;
        }
        long fds = fdLimit > 0 ? fdLimit : UNKNOWN_FD_LIMIT;
        long reserve = Math.max(256, fds / 10);
        return (int) Math.max(16, Math.min(Integer.MAX_VALUE, fds - reserve));
    }

    /** Counts a connection from {@code address}; returns how many it now has open. */
    int opened(String address) {
        return perAddress.merge(address, 1, Integer::sum);
    }

    /** Forgets a connection from {@code address}. */
    void closed(String address) {
        perAddress.computeIfPresent(address, (k, n) -> n <= 1 ? null : n - 1);
    }

    int openFrom(String address) {
        return perAddress.getOrDefault(address, 0);
    }

    int addresses() {
        return perAddress.size();
    }
}
