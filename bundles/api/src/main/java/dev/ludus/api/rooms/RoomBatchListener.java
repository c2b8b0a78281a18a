package dev.ludus.api.rooms;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A {@link RoomListener} that takes what one change of a room gives its subscriber in one call:
 * after an accepted action, the action's events the subscriber may see and then its {@code view}.
 * A subscriber that sends them on (the gateway) can then send them together. Changes that give a
 * single event still come through {@link #onEvent}. Same rules as {@link RoomListener}: called on
 * the room's thread, in order, must not block, should not throw.
 *
 * @since 2.2
 */
@ConsumerType
public interface RoomBatchListener extends RoomListener {

    /**
     * The events of one change, in order; never empty. The list is the caller's: read it during
     * the call, do not keep it.
     */
    void onEvents(List<RoomEvent> events);
}
