package dev.ludus.eventlog;

import java.nio.file.Path;

/** Where the bundles that keep files (event store, bus, statistics) put them, from their configuration and the framework's data locations. */
public final class DataDirectories {

    /** The framework property naming the node's data directory. */
    public static final String LUDUS_DATA = "ludus.data";

    private DataDirectories() {
    }

    /**
     * @param configured  the configured directory, may be empty
     * @param ludusData   the framework property {@code ludus.data}, may be null
     * @param bundleData  the bundle's data area, may be null (no file system support)
     * @param defaultName the folder used when nothing is configured
     * @throws IllegalStateException if a relative or default path is needed and there is no base
     */
    public static Path resolve(String configured, String ludusData, Path bundleData, String defaultName) {
        String value = configured == null ? "" : configured.trim();
        if (!value.isEmpty() && Path.of(value).isAbsolute()) {
            return Path.of(value).normalize();
        }
        Path base;
        if (ludusData != null && !ludusData.isBlank()) {
            base = Path.of(ludusData.trim());
        } else if (bundleData != null) {
            base = bundleData;
        } else {
            throw new IllegalStateException("neither the framework property " + LUDUS_DATA
                    + " nor a bundle data area is available; configure an absolute directory");
        }
        return base.resolve(value.isEmpty() ? defaultName : value).toAbsolutePath().normalize();
    }
}
