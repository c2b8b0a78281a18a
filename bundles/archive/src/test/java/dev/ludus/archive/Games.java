package dev.ludus.archive;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import dev.ludus.api.archive.CompletedGame;

/** Completed games for tests: deterministic from their number. */
final class Games {

    static final Instant BASE = Instant.parse("2026-11-20T10:00:00.123456789Z");

    private Games() {
    }

    static CompletedGame game(int n) {
        return game("g-" + n, n);
    }

    static CompletedGame game(String id, int n) {
        StringBuilder record = new StringBuilder();
        record.append("{\"game\":\"").append(id).append("\",\"seed\":").append(n * 7919L).append("}\n");
        for (int i = 0; i < 20 + n % 13; i++) {
            record.append("{\"seq\":").append(i).append(",\"seat\":").append(i % 4).append(",\"move\":\"m")
                    .append((n * 31 + i) % 97).append("\"}\n");
        }
        Instant completed = BASE.plusSeconds(n * 60L).plusNanos(n);
        return new CompletedGame(id, "liaptui", completed.minusSeconds(300), completed,
                List.of("p" + n % 5, "p" + (n + 1) % 5), record.toString().getBytes(StandardCharsets.UTF_8));
    }

    static boolean same(CompletedGame a, CompletedGame b) {
        return a.gameId().equals(b.gameId()) && a.gameType().equals(b.gameType()) && a.startedAt().equals(b.startedAt())
                && a.completedAt().equals(b.completedAt()) && a.playerIds().equals(b.playerIds())
                && java.util.Arrays.equals(a.record(), b.record());
    }
}
