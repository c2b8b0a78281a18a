/**
 * Caches: named, bounded stores of values a bundle can always make again (an archived game's
 * record, a player's profile, the lobby list), kept in this node's memory, in a shared store, or
 * both. A bundle asks the {@link dev.ludus.api.cache.Caches} service for a
 * {@link dev.ludus.api.cache.Cache} by a {@link dev.ludus.api.cache.CacheSpec} (name, codec, bounds)
 * and reads through it:
 *
 * <pre>{@code
 * Cache<GameRecord> records = caches.cache(CacheSpec.of("records", GameRecordCodec.INSTANCE));
 * GameRecord r = records.get(gameId, id -> archive.load(id)); // loaded once per key at a time
 * records.invalidate(gameId);                                  // here and on every node
 * }</pre>
 *
 * <p>A cache belongs to the bundle that made it: when that bundle stops or is updated, its caches
 * and their entries go, so no entry outlives the classes it was made of. Values cross a shared
 * store only as the codec's bytes, never Java serialization. Implementations are swapped under
 * traffic: a cache whose implementation went away answers every read from its loader (a miss),
 * never with an error.
 */
@Export
@Version("1.0.0")
package dev.ludus.api.cache;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
