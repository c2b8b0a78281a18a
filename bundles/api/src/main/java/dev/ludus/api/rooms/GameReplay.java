package dev.ludus.api.rooms;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A finished game move by move, as one seat saw it: rebuilt from its archived record by the
 * game's own rules ({@link RoomService#replay}).
 *
 * @param gameId   the game (its room's id)
 * @param gameType the game type
 * @param seat     the seat whose view every step shows
 * @param players  who held each seat when the game started, by seat
 * @param steps    the start of the game, then every action taken, in order
 * @param result   the game's result as its engine states it at the end of the record
 */
public record GameReplay(String gameId, String gameType, int seat, List<Player> players, List<Step> steps,
                         Map<String, Object> result) {

    public GameReplay {
        Objects.requireNonNull(gameId, "gameId");
        players = List.copyOf(players);
        steps = List.copyOf(steps);
        result = result == null ? Map.of() : result;
    }

    /**
     * One seat at the start.
     *
     * @param playerId the player, or null for a bot's seat
     * @param name     the name shown
     * @param bot      whether a bot held the seat from the start
     */
    public record Player(String playerId, String name, boolean bot) {
    }

    /**
     * One step: the game's start ({@code action} {@value #START}, {@code seat} -1) or one action.
     *
     * @param version the record's version in the room's stream
     * @param seat    the seat that acted, -1 for the start and the game's own timers
     * @param action  the action's type, or {@value #START}
     * @param args    the action's arguments (empty for the start)
     * @param cause   who took it: {@code player}, {@code bot}, {@code idle}, {@code away},
     *                {@code timer}; null for the start and for records older than causes
     * @param at      when it happened (epoch milliseconds)
     * @param view    what {@link GameReplay#seat()} saw after it (JSON-compatible, the game's own view)
     */
    public record Step(long version, int seat, String action, Map<String, Object> args, String cause, long at,
                       Map<String, Object> view) {

        /** The action name of the first step. */
        public static final String START = "start";

        public Step {
            Objects.requireNonNull(action, "action");
            args = args == null ? Map.of() : args;
            view = view == null ? Map.of() : view;
        }
    }
}
