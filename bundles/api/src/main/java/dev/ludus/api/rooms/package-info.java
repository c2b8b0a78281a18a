/**
 * Rooms: the lobby and the running of games, as a programmatic API. The WebSocket gateway maps
 * its protocol onto {@link dev.ludus.api.rooms.RoomService}; nothing else drives games.
 */
@Export
@Version("1.2.0")
package dev.ludus.api.rooms;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
