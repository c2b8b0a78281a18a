/**
 * The event store: durable, append-only streams of game events with optimistic concurrency,
 * and snapshots that bound replay time.
 */
@Export
@Version("1.0.0")
package dev.ludus.api.event;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
