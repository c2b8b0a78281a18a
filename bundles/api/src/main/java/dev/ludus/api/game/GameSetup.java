package dev.ludus.api.game;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything an engine needs to start a game. Together with the ordered actions applied since,
 * it determines the game's state completely.
 *
 * @param gameId  unique id of the game (also its event stream name)
 * @param seed    the only source of randomness an engine may use
 * @param players one entry per seat, in seat order; {@code players.size()} is the seat count
 * @param options game-specific options (for example {@code maxRounds}); copied
 */
public record GameSetup(String gameId, long seed, List<Player> players, Map<String, String> options) {

    public GameSetup {
        Objects.requireNonNull(gameId, "gameId");
        players = List.copyOf(players);
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    /** Number of seats. */
    public int seats() {
        return players.size();
    }

    /**
     * Who sits in a seat.
     *
     * @param id   the player's id, stable across reconnects
     * @param name display name
     * @param bot  whether a bot plays this seat from the start
     */
    public record Player(String id, String name, boolean bot) {
        public Player {
            Objects.requireNonNull(id, "id");
            name = name == null ? id : name;
        }
    }
}
