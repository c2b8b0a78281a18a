/**
 * The game SPI. A game is a plugin bundle that registers a {@link dev.ludus.api.game.GameDefinition};
 * its engines are deterministic: the same {@link dev.ludus.api.game.GameSetup} (seed included) and the same
 * sequence of {@link dev.ludus.api.game.Action}s always produce the same state and events.
 */
@Export
@Version("1.2.0")
package dev.ludus.api.game;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
