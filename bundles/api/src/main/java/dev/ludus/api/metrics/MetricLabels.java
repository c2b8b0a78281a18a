package dev.ludus.api.metrics;

/** Label names that several bundles use with the same meaning. */
public final class MetricLabels {

    /** The symbolic name of the bundle a series belongs to, e.g. {@code dev.ludus.gateway}. */
    public static final String BUNDLE = "bundle";

    /** The version of that bundle, e.g. {@code 0.1.0.SNAPSHOT}. */
    public static final String BUNDLE_VERSION = "bundleVersion";

    private MetricLabels() {
    }
}
