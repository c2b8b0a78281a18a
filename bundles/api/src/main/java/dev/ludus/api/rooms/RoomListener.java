package dev.ludus.api.rooms;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives a room's events for one subscriber, in order. Called on the room's thread: must not
 * block and should not throw (a listener that throws is unsubscribed).
 */
@ConsumerType
@FunctionalInterface
public interface RoomListener {
    void onEvent(RoomEvent event);
}
