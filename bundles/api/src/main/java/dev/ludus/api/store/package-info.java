/**
 * The active game store: in-memory state of running games with versioned compare-and-set.
 */
@Export
@Version("1.0.0")
package dev.ludus.api.store;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
