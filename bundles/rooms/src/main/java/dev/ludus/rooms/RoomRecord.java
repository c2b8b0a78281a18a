package dev.ludus.rooms;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One record of a room's event stream ({@code room-<id>}): everything the runtime appends.
 *
 * <p>The stored event carries {@link #type()} as its type and the record's fields as JSON (see
 * {@link RecordCodec}). The field names and JSON shapes are the ones written since the first
 * release, so existing streams replay unchanged: renaming a component means renaming its
 * {@code @JsonProperty}, never the stored name.
 */
sealed interface RoomRecord {

    /** The stored event type of this record. */
    @JsonIgnore
    String type();

    /**
     * A room was opened. {@code createdBy} is absent for rooms opened without a player (tests,
     * operators); {@code seats} is the number of seats, all empty.
     */
    record Created(@JsonProperty(required = true) String name,
                   @JsonProperty(required = true) String gameType,
                   @JsonInclude(JsonInclude.Include.NON_NULL) String createdBy,
                   Map<String, String> options,
                   @JsonProperty(required = true) long createdAt,
                   @JsonProperty(required = true) int seats) implements RoomRecord {
        static final String TYPE = "room_created";

        public Created {
            options = options == null ? Map.of() : options;
        }

        @Override
        public String type() {
            return TYPE;
        }
    }

    /**
     * A seat changed hands before or during play: a player sat or left, a bot was added or
     * removed, or a leaving player's seat went to a bot. A null {@code playerId} with
     * {@code bot == false} empties the seat. An operator who removed the seat's player is named in
     * {@code by}, with their {@code reason}; both are absent otherwise.
     */
    record SeatChanged(@JsonProperty(required = true) int seat, String playerId, String name, boolean bot,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String reason,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String by)
            implements RoomRecord {
        static final String TYPE = "seat";

        SeatChanged(int seat, String playerId, String name, boolean bot) {
            this(seat, playerId, name, bot, null, null);
        }

        @Override
        public String type() {
            return TYPE;
        }
    }

    /** The game started with this seed; {@code players} lists every seat, empty ones as bots. */
    record Started(@JsonProperty(required = true) long seed,
                   @JsonProperty(required = true) long startedAt,
                   @JsonProperty(required = true) List<Player> players) implements RoomRecord {
        static final String TYPE = "started";

        public Started {
            players = List.copyOf(players);
        }

        @Override
        public String type() {
            return TYPE;
        }

        /** Who holds a seat when the game starts; {@code id} is {@code bot-<seat>} for bots. */
        record Player(String id, String name, boolean bot) {
        }
    }

    /**
     * An action the engine accepted, stored as {@code {"seat", "type", "args", "at", "cause"}}.
     * {@code at} is when it was taken (epoch ms): the clock from which the next timer, bot move
     * and idle takeover are counted, so they resume at the same instant after a restart. Records
     * written before it existed have none (0); their event's store timestamp stands in.
     * {@code cause} says who took it: {@code player}, {@code bot} (a bot's seat, or one its player
     * gave to a bot by leaving), {@code idle} (the bot, for a connected player who let the idle
     * time pass), {@code away} (the bot, for a player disconnected longer than the grace) or
     * {@code timer} (the game's own timer); absent in older records. Records written before
     * {@code away} existed say {@code bot} for a disconnected player's seat.
     */
    record ActionTaken(@JsonProperty(required = true) int seat,
                       @JsonProperty(value = "type", required = true) String actionType,
                       Map<String, Object> args,
                       @JsonInclude(JsonInclude.Include.NON_DEFAULT) long at,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String cause) implements RoomRecord {
        static final String TYPE = "action";
        static final String BY_PLAYER = "player";
        static final String BY_BOT = "bot";
        static final String BY_IDLE = "idle";
        static final String BY_TIMER = "timer";
        static final String BY_AWAY = "away";

        public ActionTaken {
            args = args == null ? Map.of() : args;
        }

        /** Whether the bot moved for a seat its player still holds ({@code idle} or {@code away}). */
        boolean forAbsentPlayer() {
            return BY_IDLE.equals(cause) || BY_AWAY.equals(cause);
        }

        @Override
        public String type() {
            return TYPE;
        }
    }

    /** The finished game was handed to the archive; the room has ended for good. */
    record Archived() implements RoomRecord {
        static final String TYPE = "archived";

        @Override
        public String type() {
            return TYPE;
        }
    }

    /**
     * The finished game was announced on the message bus as {@code game.finished}, under
     * {@code messageId} (the same id on every retry, so consumers apply it once).
     */
    record Announced(String messageId) implements RoomRecord {
        static final String TYPE = "announced";

        @Override
        public String type() {
            return TYPE;
        }
    }

    /** An empty room was closed; it has ended for good without a game to archive. */
    record Closed(String reason) implements RoomRecord {
        static final String TYPE = "closed";

        @Override
        public String type() {
            return TYPE;
        }
    }

    /**
     * An operator paused the running game: actions are refused, bots and timers stand still, until
     * an {@link OperatorResumed}. {@code by} is the operator's name.
     */
    record OperatorPaused(@JsonProperty(required = true) String reason,
                          @JsonProperty(required = true) String by) implements RoomRecord {
        static final String TYPE = "operator_paused";

        @Override
        public String type() {
            return TYPE;
        }
    }

    /**
     * An operator resumed the game at {@code at} (epoch ms), from which its deadlines count again,
     * so the time it stood still takes nobody's move.
     */
    record OperatorResumed(@JsonProperty(required = true) String by,
                           @JsonProperty(required = true) long at) implements RoomRecord {
        static final String TYPE = "operator_resumed";

        @Override
        public String type() {
            return TYPE;
        }
    }

    /**
     * An operator ended the game before its end: the room is finished (with the game's result so
     * far) and goes to the archive like any finished game.
     */
    record Ended(@JsonProperty(required = true) String reason,
                 @JsonProperty(required = true) String by) implements RoomRecord {
        static final String TYPE = "ended";

        @Override
        public String type() {
            return TYPE;
        }
    }

    /**
     * The archive hand-over failed {@code failures} times and is no longer retried until the
     * operator's retry generation exceeds {@code generation}.
     */
    record Quarantined(String reason, long generation, int failures) implements RoomRecord {
        static final String TYPE = "quarantined";

        @Override
        public String type() {
            return TYPE;
        }
    }
}
