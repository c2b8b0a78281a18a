package dev.ludus.rooms;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.game.GameEngine;
import dev.ludus.api.game.GameEvent;
import dev.ludus.api.rooms.RoomBatchListener;
import dev.ludus.api.rooms.RoomEvent;
import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.store.GameStore;
import dev.ludus.api.store.VersionConflictException;
import dev.ludus.api.store.Versioned;

/**
 * Tells the world about a room: its {@link RoomInfo} to the lobby and the active-game store, and
 * events to its subscribers, each filtered to what the subscriber's seat may see. Called from room
 * steps only, after the change it publishes is durable.
 */
final class Publisher {

    static final String STORE_PREFIX = "room:";
    private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);

    private final RoomsContext ctx;

    Publisher(RoomsContext ctx) {
        this.ctx = ctx;
    }

    /** Refreshes the room's info for the lobby, health, the empty-room sweeper and the store. */
    void refresh(LiveRoom live) {
        Room room = live.room();
        RoomInfo before = live.info;
        RoomInfo info = live.snapshotInfo();
        live.info = info;
        live.createdBy = room.createdBy();
        live.archived = room.archived();
        live.quarantined = room.archived() ? null : room.quarantined();
        if (before == null || lobbyShows(before, info)) {
            ctx.lobby.changed();
        }
        // A room nobody holds closes after emptyRoomSeconds: one without a human seated, and a
        // waiting room whose seated players are all gone (closed the page, lost the network):
        // before its game starts nothing is lost by closing it, and left open it stayed in the
        // lobby for good (a player who created a room and left, or a script doing that in a loop).
        boolean held = room.hasHuman()
                && (room.state() != dev.ludus.api.rooms.RoomState.WAITING || live.anyoneConnected());
        if (room.state() == dev.ludus.api.rooms.RoomState.FINISHED || held) {
            live.emptySince = 0;
        } else if (live.emptySince == 0) {
            // Players away: from now (after a restart, from the recovery: they get the whole time to come back).
            live.emptySince = room.hasHuman() || room.lastChangeAt() <= 0 ? ctx.clock.millis() : room.lastChangeAt();
        }
        // A running game none of whose seated players is connected (bots cover them) is ended after
        // abandonedGameSeconds: from now (after a restart, from the recovery).
        if (room.state() == dev.ludus.api.rooms.RoomState.PLAYING && room.hasHuman() && !live.anyoneConnected()) {
            if (live.abandonedSince == 0) {
                live.abandonedSince = ctx.clock.millis();
            }
        } else {
            live.abandonedSince = 0;
        }
        GameStore store = ctx.gameStore;
        if (store == null || room.name() == null) {
            return;
        }
        String key = STORE_PREFIX + live.id;
        try {
            live.storeVersion = live.storeVersion == 0
                    ? store.create(key, info).version()
                    : store.compareAndSet(key, live.storeVersion, info).version();
        } catch (VersionConflictException e) {
            // The store was replaced or written by someone else: take its version and write again.
            Optional<Versioned<RoomInfo>> current = store.get(key);
            try {
                live.storeVersion = current.isPresent()
                        ? store.compareAndSet(key, current.get().version(), info).version()
                        : store.create(key, info).version();
            } catch (VersionConflictException again) {
                live.storeVersion = 0;
            }
        }
    }

    /** Removes the room's entry from the active-game store. */
    void unpublish(LiveRoom live) {
        GameStore store = ctx.gameStore;
        if (store != null && live.storeVersion > 0) {
            try {
                store.remove(STORE_PREFIX + live.id, live.storeVersion);
            } catch (RuntimeException e) {
                LOG.debug("room {}: store entry not removed: {}", live.id, e.toString());
            }
        }
        live.storeVersion = 0;
        ctx.lobby.changed();
    }

    /**
     * Whether a lobby page could tell the two apart. The stream version alone does not count: it
     * moves with every action of every running game, and would make the lobby's cached pages
     * useless while games run.
     */
    private static boolean lobbyShows(RoomInfo a, RoomInfo b) {
        return a.state() != b.state() || !a.seats().equals(b.seats()) || !a.pauseReason().equals(b.pauseReason())
                || !a.pausedBy().equals(b.pausedBy()) || !Objects.equals(a.name(), b.name());
    }

    /** The room's new info to every subscriber. */
    void roomChanged(LiveRoom live) {
        broadcast(live, "room_changed", Map.of("room", live.info));
    }

    void broadcast(LiveRoom live, String type, Map<String, Object> data) {
        RoomEvent e = new RoomEvent(live.id, live.room().version(), type, data);
        for (LiveRoom.Subscriber s : live.subscribers) {
            deliver(live, s, e);
        }
    }

    /**
     * Sends game events to each subscriber, filtered to what its seat may see, then the
     * subscriber's new view and allowed actions as a {@code view} event, so a client can render the
     * game without knowing its rules. A seat's view event is made once per call and handed to every
     * subscriber at that seat (spectators, seat -1, share one): the engine does not change while
     * its events are delivered, and a view is a value its receivers only read. A {@link RoomBatchListener} gets a subscriber's
     * events and view in one call.
     */
    void gameEvents(LiveRoom live, List<GameEvent> events) {
        Room room = live.room();
        GameEngine engine = room.engine();
        Map<Integer, RoomEvent> views = engine == null ? null : new HashMap<>();
        List<RoomEvent> batch = new ArrayList<>(events.size() + 1);
        for (LiveRoom.Subscriber s : live.subscribers) {
            int seat = room.seatOf(s.playerId());
            batch.clear();
            for (GameEvent g : events) {
                if (g.visibleTo(seat)) {
                    batch.add(new RoomEvent(live.id, room.version(), g.type(), g.data()));
                }
            }
            if (views != null) {
                RoomEvent view = views.get(seat);
                if (view == null) {
                    view = new RoomEvent(live.id, room.version(), "view", Map.of("game", view(live, seat),
                            "allowedActions", seat < 0 ? List.of() : engine.allowedActions(seat)));
                    views.put(seat, view);
                }
                batch.add(view);
            }
            deliver(live, s, batch);
        }
    }

    /** The engine's view for a seat; spectators (seat -1) see what every seat may see. */
    static Map<String, Object> view(LiveRoom live, int seat) {
        try {
            return live.room().engine().view(seat);
        } catch (RuntimeException e) {
            LOG.warn("room {}: the game's view of seat {} failed: {}", live.id, seat, e.toString());
            return Map.of();
        }
    }

    static void deliver(LiveRoom live, LiveRoom.Subscriber s, RoomEvent e) {
        try {
            s.listener().onEvent(e);
        } catch (RuntimeException ex) {
            dropFailed(live, s, ex);
        }
    }

    /**
     * The events of one change to one subscriber: in one call to a {@link RoomBatchListener} (when
     * there are several), else one call each. A listener that throws is unsubscribed and gets none
     * of the rest.
     */
    static void deliver(LiveRoom live, LiveRoom.Subscriber s, List<RoomEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        if (events.size() == 1 || !(s.listener() instanceof RoomBatchListener batch)) {
            for (RoomEvent e : events) {
                try {
                    s.listener().onEvent(e);
                } catch (RuntimeException ex) {
                    dropFailed(live, s, ex);
                    return;
                }
            }
            return;
        }
        try {
            batch.onEvents(events);
        } catch (RuntimeException ex) {
            dropFailed(live, s, ex);
        }
    }

    private static void dropFailed(LiveRoom live, LiveRoom.Subscriber s, RuntimeException ex) {
        LOG.warn("room {}: listener of {} failed and is unsubscribed: {}", live.id, s.playerId(), ex.toString());
        live.subscribers.remove(s);
    }
}
