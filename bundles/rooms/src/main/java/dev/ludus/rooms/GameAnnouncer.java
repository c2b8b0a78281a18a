package dev.ludus.rooms;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.bus.MessageBus;
import dev.ludus.api.bus.OutgoingMessage;
import dev.ludus.api.game.GameEngine;
import dev.ludus.api.rooms.RoomState;

/**
 * Announces finished games on the message bus as {@code game.finished}, keyed by game type, with
 * the message id {@code game.finished:<room id>} (the same on every retry: a consumer applies a
 * game once however often it is announced). Once the bus acknowledges it, an {@code announced}
 * record says so; until then the room stays in memory and is offered again on every retry
 * interval and whenever a bus appears. A game not announced within {@link #GIVE_UP_MILLIS} of its
 * end (no bus all that time) is given up, loudly; the archive still holds it.
 */
final class GameAnnouncer {

    static final String TOPIC = "game.finished";
    static final long GIVE_UP_MILLIS = TimeUnit.HOURS.toMillis(1);
    private static final Logger LOG = LoggerFactory.getLogger(GameAnnouncer.class);

    private final RoomsContext ctx;
    private final RoomDriver driver;

    GameAnnouncer(RoomsContext ctx, RoomDriver driver) {
        this.ctx = ctx;
        this.driver = driver;
    }

    /** Starts the announcement of a finished game, unless one runs, it was made, or no bus is bound. A room step. */
    void start(LiveRoom live) {
        Room room = live.room();
        MessageBus bus = ctx.bus;
        if (bus == null || !ctx.active || live.announcing || live.needsRebuild || room.state() != RoomState.FINISHED
                || room.announced() || room.closed() || ctx.eventStore == null) {
            return;
        }
        if (ctx.clock.millis() - room.lastChangeAt() > GIVE_UP_MILLIS && room.archived()) {
            LOG.warn("room {}: its finished game was not announced on the bus within an hour; giving up (the archive "
                    + "holds it)", live.id);
            driver.evictLater(live, 0);
            return;
        }
        OutgoingMessage message;
        try {
            message = message(live, room);
        } catch (RuntimeException e) {
            LOG.error("room {}: cannot describe the finished game for the bus; it is not announced", live.id, e);
            return;
        }
        long version = room.version();
        live.announcing = true;
        bus.publish(message).whenComplete((published, error) -> {
            live.steps.submit(() -> {
                live.announcing = false;
                if (error != null) {
                    LOG.warn("room {}: announcing the finished game failed, will retry: {}", live.id,
                            error.getCause() != null ? error.getCause().getMessage() : error.getMessage());
                    return null;
                }
                return announced(live, version, message.id());
            });
        });
    }

    private java.util.concurrent.CompletionStage<?> announced(LiveRoom live, long version, String id) {
        Room room = live.room();
        if (room.announced() || room.version() < version || ctx.eventStore == null) {
            return null;
        }
        return driver.commit(live, new RoomRecord.Announced(id), List.of(), RoomDriver.Reply.afterEffects(() -> { },
                e -> LOG.warn("room {}: the announced record was not written, will announce again: {}", live.id,
                        e.getMessage())));
    }

    /**
     * Announces a room's lifecycle ({@code room.created}, {@code room.started}, {@code room.closed}),
     * keyed by room, with the message id {@code <topic>:<room>} (each happens once per room): best
     * effort, unlike {@code game.finished}: without a bus, or when it refuses, nothing is retried.
     */
    void lifecycle(LiveRoom live, String topic) {
        MessageBus bus = ctx.bus;
        if (bus == null || !ctx.active) {
            return;
        }
        try {
            Room room = live.room();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("roomId", live.id);
            m.put("gameType", room.gameType());
            m.put("name", room.name());
            m.put("at", java.time.Instant.ofEpochMilli(room.lastChangeAt()).toString());
            List<String> players = new ArrayList<>();
            for (int i = 0; i < room.seatCount(); i++) {
                if (room.seat(i).human()) {
                    players.add(room.seat(i).playerId());
                }
            }
            m.put("players", players);
            String payload = new String(ctx.codec.write(m), StandardCharsets.UTF_8);
            bus.publish(new OutgoingMessage(topic, live.id, payload, Map.of("source", "rooms"), topic + ":" + live.id))
                    .whenComplete((done, error) -> {
                        if (error != null) {
                            LOG.debug("room {}: {} not announced: {}", live.id, topic, error.toString());
                        }
                    });
        } catch (RuntimeException e) {
            LOG.debug("room {}: {} not announced: {}", live.id, topic, e.toString());
        }
    }


    /** The {@code game.finished} message of a finished room. */
    private OutgoingMessage message(LiveRoom live, Room room) {
        String payload = new String(ctx.codec.write(finished(live, room)), StandardCharsets.UTF_8);
        return new OutgoingMessage(TOPIC, room.gameType(), payload, Map.of("source", "rooms"),
                TOPIC + ":" + live.id);
    }

    /**
     * What {@code game.finished} says of a finished room: room, game type, players by seat, the
     * game's result, start and end, and who ended it if an operator did. The archived game carries
     * the same (field {@code finished}), so statistics can be rebuilt from the archive.
     */
    static Map<String, Object> finished(LiveRoom live, Room room) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("roomId", live.id);
        m.put("gameType", room.gameType());
        List<Map<String, Object>> seats = new ArrayList<>();
        for (int i = 0; i < room.seatCount(); i++) {
            Room.Seat s = room.seat(i);
            Map<String, Object> seat = new LinkedHashMap<>();
            seat.put("seat", i);
            seat.put("playerId", s.playerId());
            seat.put("name", s.name());
            seat.put("bot", s.bot());
            seats.add(seat);
        }
        m.put("players", seats);
        GameEngine engine = room.engine();
        Map<String, Object> result = engine == null ? null : engine.result();
        m.put("result", result == null ? Map.of() : result);
        m.put("startedAt", room.startedAt() == null ? null : room.startedAt().toString());
        m.put("finishedAt", java.time.Instant.ofEpochMilli(room.lastChangeAt()).toString());
        if (room.ended() != null) {
            m.put("endedBy", room.ended().by());
            m.put("endReason", room.ended().reason());
        }
        return m;
    }
}
