package dev.ludus.rooms;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dev.ludus.api.game.GameEngine;
import dev.ludus.api.rooms.GameReplay;
import dev.ludus.api.rooms.RoomException;

/**
 * Finished games move by move ({@link dev.ludus.api.rooms.RoomService#replay}): the archived
 * record's events applied to a fresh {@link Room} exactly as recovery applies a stream, with the
 * chosen seat's view taken after the start and after every action. Touches no live room.
 */
final class GameReplays {

    /** The format {@link ArchiveHandOver} writes. */
    static final String FORMAT = "ludus-room-record/1";

    private final RoomsContext ctx;

    GameReplays(RoomsContext ctx) {
        this.ctx = ctx;
    }

    GameReplay replay(byte[] record, int seat) {
        if (record == null) {
            throw bad("no record");
        }
        JsonNode doc;
        try {
            doc = ctx.codec.tree(record);
        } catch (IllegalArgumentException e) {
            throw bad("not JSON");
        }
        if (doc == null || !FORMAT.equals(doc.path("format").asText()) || !doc.path("roomId").isTextual()
                || !doc.path("records").isArray()) {
            throw bad("not a record in the rooms' format " + FORMAT);
        }
        String id = doc.get("roomId").asText();
        Room room = new Room(id, ctx::game);
        GameEngine engine = null;
        List<GameReplay.Player> players = new ArrayList<>();
        List<GameReplay.Step> steps = new ArrayList<>();
        for (JsonNode r : doc.get("records")) {
            long version = r.path("version").asLong(-1);
            long at = r.path("timestamp").asLong(0);
            RoomRecord rec;
            try {
                rec = ctx.codec.decode(r.path("type").asText(""), r.path("data"));
                room.apply(rec, version, at);
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw bad("the record at version " + version + " does not replay: " + e.getMessage());
            }
            if (rec instanceof RoomRecord.Started) {
                engine = room.engine();
                if (engine == null) {
                    throw new RoomException(RoomException.UNKNOWN_GAME, "game type " + room.gameType()
                            + " is not installed here: its games cannot be shown move by move");
                }
                if (seat < 0 || seat >= room.seatCount()) {
                    throw new RoomException(RoomException.BAD_SEAT, "the game has seats 0 to " + (room.seatCount() - 1)
                            + ", not " + seat);
                }
                for (int i = 0; i < room.seatCount(); i++) {
                    Room.Seat s = room.seat(i);
                    players.add(new GameReplay.Player(s.bot() ? null : s.playerId(), s.name(), s.bot()));
                }
                steps.add(new GameReplay.Step(version, -1, GameReplay.Step.START, Map.of(), null, at, view(engine, seat)));
            } else if (rec instanceof RoomRecord.ActionTaken a && engine != null) {
                steps.add(new GameReplay.Step(version, a.seat(), a.actionType(), ctx.codec.copy(a.args()), a.cause(),
                        a.at() > 0 ? a.at() : at, view(engine, seat)));
            }
        }
        if (engine == null) {
            throw bad("the game in the record never started");
        }
        return new GameReplay(id, room.gameType(), seat, players, steps, ctx.codec.copy(engine.result()));
    }

    /** The seat's view now, copied: a later action must not change a step already taken. */
    private Map<String, Object> view(GameEngine engine, int seat) {
        return ctx.codec.copy(engine.view(seat));
    }

    private static RoomException bad(String why) {
        return new RoomException(RoomException.BAD_RECORD, "cannot replay this record: " + why);
    }
}
