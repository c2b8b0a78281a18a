package dev.ludus.api.archive;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A finished game as it is archived: who played, when, and the full record (setup and every
 * action) from which it can be replayed.
 *
 * @param gameId      unique id; archiving is idempotent by this id
 * @param gameType    the {@code GameDefinition} type
 * @param startedAt   when the game started
 * @param completedAt when it reached its terminal state
 * @param playerIds   ids of the human players, in seat order
 * @param record      the serialized game record (format versioned by its producer); not copied
 */
public record CompletedGame(String gameId, String gameType, Instant startedAt, Instant completedAt,
                            List<String> playerIds, byte[] record) {
    public CompletedGame {
        Objects.requireNonNull(gameId, "gameId");
        Objects.requireNonNull(gameType, "gameType");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(completedAt, "completedAt");
        playerIds = List.copyOf(playerIds);
        Objects.requireNonNull(record, "record");
    }
}
