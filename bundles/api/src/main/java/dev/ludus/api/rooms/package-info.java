/**
 * Rooms: the lobby and the running of games, as a programmatic API. The WebSocket gateway maps
 * its protocol onto {@link dev.ludus.api.rooms.RoomService}; nothing else drives games.
 *
 * <p>2.0: the refusal codes are constants of {@link dev.ludus.api.rooms.RoomException}; the API
 * holds values only, so {@code RoomInfo.toData()} is gone: {@code room_changed} events and
 * {@code RoomService.view} carry the {@link dev.ludus.api.rooms.RoomInfo} itself, and the gateway
 * alone decides how a room is written in the protocol.
 *
 * <p>2.1: operators pause, resume and end rooms through {@link dev.ludus.api.rooms.RoomOperations};
 * {@link dev.ludus.api.rooms.RoomInfo#pausedBy()} names who paused a room; codes
 * {@code room_paused} and {@code not_paused}. Nothing of 2.0 changed.
 *
 * <p>2.2: a subscriber that implements {@link dev.ludus.api.rooms.RoomBatchListener} gets what one
 * accepted action gives it (its events, then its view) in one call. Nothing of 2.1 changed.
 */
@Export
@Version("2.3.0")
package dev.ludus.api.rooms;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
