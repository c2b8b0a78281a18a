package dev.ludus.api.cluster;

/** A cluster operation could not be done. {@link #code()} is stable. */
public class ClusterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The cluster's store (NATS) could not be asked. */
    public static final String UNAVAILABLE = "cluster_unavailable";
    /** No live node hosts the game asked for. */
    public static final String NO_NODE = "no_node";

    private final String code;

    public ClusterException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
