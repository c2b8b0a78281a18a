/**
 * Several Ludus nodes as one: which nodes are alive (each holds a lease it renews), which node
 * owns each room (claims by compare-and-set only, so a room has one owner at a time), and where a
 * new room should go (placement by published load, only on nodes that have the room's game).
 * One node needs none of this; the {@code cluster} bundle provides it on NATS JetStream.
 */
@Export
@Version("1.1.0")
package dev.ludus.api.cluster;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
