/**
 * Player statistics: profiles, leaderboards and recent games, built from the games that finished
 * (the bus's {@code game.finished}). A {@link dev.ludus.api.stats.PlayerStats} answers from what it
 * holds, without waiting; the gateway serves it to players as {@code profile}, {@code leaderboard}
 * and {@code history} requests.
 */
@Export
@Version("1.1.0")
package dev.ludus.api.stats;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
