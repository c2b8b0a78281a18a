/**
 * Checking a password against the stored forms the Felix Web Console accepts
 * ({@link dev.ludus.api.security.StoredPassword}), shared by the bundles that let an operator in.
 */
@Export
@Version("1.0.0")
package dev.ludus.api.security;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
