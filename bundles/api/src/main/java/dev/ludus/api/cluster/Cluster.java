package dev.ludus.api.cluster;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * This node's view of the cluster. Thread safe; every call may ask the cluster's store over the
 * network and fails with {@link ClusterException} (code {@code cluster_unavailable}) while it
 * cannot.
 */
@ProviderType
public interface Cluster {

    /** This node's id. */
    String nodeId();

    /** The nodes whose lease is current, this one included (while its own lease is), by id. */
    List<NodeInfo> nodes();

    /** The node that owns {@code roomId}, if any (the owner may have died: see {@link #nodes()}). */
    Optional<String> owner(String roomId);

    /**
     * Makes this node the owner of {@code roomId} if nobody owns it, or if its owner's lease has
     * lapsed. Compare-and-set: of nodes claiming at once, one wins.
     *
     * @return whether this node owns the room now
     */
    boolean claim(String roomId);

    /** Gives up this node's ownership of {@code roomId}; nothing if it does not own it. */
    void release(String roomId);

    /** The rooms {@code nodeId} owns, as the directory says. */
    List<String> roomsOf(String nodeId);

    /** The rooms whose owner's lease has lapsed: the ones the live nodes should take over. */
    List<String> orphans();

    /**
     * The node a new room of {@code gameType} should go to: of the live nodes that host it and are
     * not draining, the less loaded of two picked at random (this node when it is the only one).
     *
     * @throws ClusterException code {@code no_node} if no live node hosts the game
     */
    String place(String gameType);

    /**
     * Asks node {@code nodeId} to drain: it stops as at SIGTERM (announces that it drains, closes
     * its players' connections with 1012 once their actions are answered, stops its rooms and
     * leaves; the other nodes take its rooms over at once). Returns when the node has said it will.
     * This node drains the same way when it is the one named.
     *
     * @throws ClusterException code {@code no_node} if no live node has that id or it does not
     *     answer, {@code cluster_unavailable} while the cluster cannot be reached
     * @since 1.1
     */
    void requestDrain(String nodeId);
}
