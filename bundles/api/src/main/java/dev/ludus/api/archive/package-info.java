/**
 * Archiving of completed games: a durable hand-off ({@link dev.ludus.api.archive.ArchiveService})
 * and swappable long-term storage ({@link dev.ludus.api.archive.ArchiveBackend}).
 */
@Export
@Version("1.0.0")
package dev.ludus.api.archive;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
