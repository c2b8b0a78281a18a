package dev.ludus.stats;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.NewEvent;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.eventlog.EventLog;
import dev.ludus.eventlog.LogSettings;

/**
 * The games statistics were built from, durably, in an event log of their own (the event store's
 * log code): one stream {@code games} whose events are {@code game} (an applied
 * {@link GameOutcome}) and {@code reset} (a rebuild starts here: what came before no longer counts).
 * Opening replays the stream into a {@link StatsModel}; a game is applied to the model only after
 * its record is durable, so a restart finds every game it had applied and no other.
 */
final class StatsStore implements AutoCloseable {

    static final String STREAM = "games";
    static final String GAME = "game";
    static final String RESET = "reset";

    private final EventLog log;
    /** The generation of the latest rebuild in the log (0: never rebuilt). */
    private volatile long generation;
    private final ObjectMapper json = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private StatsStore(EventLog log) {
        this.log = log;
    }

    /** Opens the log in {@code dir} and replays it into {@code model} (which it clears first). */
    static StatsStore open(Path dir, StatsModel model) {
        EventLog log = EventLog.open(dir, LogSettings.defaults().withSegmentBytes(16L << 20), Clock.systemUTC());
        StatsStore store = new StatsStore(log);
        try {
            store.replay(model);
            return store;
        } catch (RuntimeException e) {
            log.close();
            throw e;
        }
    }

    private void replay(StatsModel model) {
        model.clear();
        long from = log.first(STREAM);
        while (true) {
            List<RecordedEvent> batch = log.read(STREAM, from, 1000);
            if (batch.isEmpty()) {
                return;
            }
            for (RecordedEvent e : batch) {
                if (e.type().equals(RESET)) {
                    model.clear();
                    try {
                        generation = json.readTree(e.data()).path("generation").asLong(0);
                    } catch (IOException ex) {
                        generation = 0;
                    }
                    model.generation(generation);
                } else if (e.type().equals(GAME)) {
                    model.apply(decode(e.data()));
                }
            }
            from = batch.get(batch.size() - 1).version() + 1;
        }
    }

    /** Makes the game durable; the caller applies it to the model afterwards. */
    void append(GameOutcome g) {
        log.append(STREAM, EventStore.ANY, List.of(new NewEvent(GAME, encode(g))));
    }

    /**
     * Writes a rebuild: a reset, then {@code games}; on success the segments before the reset are
     * deleted. The caller rebuilds its model from the same games.
     */
    void rebuild(long newGeneration, List<GameOutcome> gamesFromArchive) throws Exception {
        long at = log.append(STREAM, EventStore.ANY, List.of(new NewEvent(RESET,
                json.writeValueAsBytes(Map.of("generation", newGeneration)))));
        generation = newGeneration;
        long segment = log.segmentOf(STREAM, at);
        for (int i = 0; i < gamesFromArchive.size(); i += 500) {
            List<NewEvent> batch = gamesFromArchive.subList(i, Math.min(gamesFromArchive.size(), i + 500)).stream()
                    .map(g -> new NewEvent(GAME, encode(g))).toList();
            log.append(STREAM, EventStore.ANY, batch);
        }
        if (segment > 0) {
            log.trimBefore(segment).toCompletableFuture().get();
        }
    }

    /** The generation of the latest rebuild (see the {@code rebuildGeneration} setting). */
    long generation() {
        return generation;
    }

    Path directory() {
        return log.directory();
    }

    private byte[] encode(GameOutcome g) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("id", g.id());
        doc.put("roomId", g.roomId());
        doc.put("gameType", g.gameType());
        doc.put("finishedAt", g.finishedAt().toEpochMilli());
        doc.put("rounds", g.rounds());
        List<Map<String, Object>> seats = new ArrayList<>();
        for (GameOutcome.Seat s : g.seats()) {
            Map<String, Object> seat = new LinkedHashMap<>();
            seat.put("seat", s.seat());
            seat.put("playerId", s.playerId());
            seat.put("name", s.name());
            seat.put("bot", s.bot());
            seat.put("score", s.score());
            seat.put("won", s.won());
            seat.put("exact", s.exact());
            seats.add(seat);
        }
        doc.put("seats", seats);
        try {
            return json.writeValueAsBytes(doc);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode game " + g.id(), e);
        }
    }

    private GameOutcome decode(byte[] data) {
        try {
            JsonNode doc = json.readTree(data);
            List<GameOutcome.Seat> seats = new ArrayList<>();
            for (JsonNode s : doc.get("seats")) {
                seats.add(new GameOutcome.Seat(s.get("seat").asInt(), s.hasNonNull("playerId") ? s.get("playerId").asText()
                        : null, s.path("name").asText(""), s.path("bot").asBoolean(), s.path("score").asInt(),
                        s.path("won").asBoolean(), s.path("exact").asInt(-1)));
            }
            return new GameOutcome(doc.get("id").asText(), doc.get("roomId").asText(), doc.get("gameType").asText(),
                    Instant.ofEpochMilli(doc.get("finishedAt").asLong()), doc.path("rounds").asInt(), seats);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("unreadable statistics record: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        log.close();
    }
}
