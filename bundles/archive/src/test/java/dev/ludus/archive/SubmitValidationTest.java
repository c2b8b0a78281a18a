package dev.ludus.archive;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.time.Instant;
import java.util.Collections;
import java.util.List;

import org.junit.Test;

import dev.ludus.api.archive.ArchiveException;
import dev.ludus.api.archive.CompletedGame;

public class SubmitValidationTest {

    private static final Instant T = Instant.parse("2026-11-26T12:00:00Z");

    private static void refused(CompletedGame g, String expectedWords) {
        try {
            QueuedArchiveService.validate(g, 1000);
            fail("accepted: " + g);
        } catch (ArchiveException e) {
            assertEquals("invalid_game", e.code());
            assertTrue(e.getMessage(), e.getMessage().contains(expectedWords));
        }
    }

    private static CompletedGame game(String id, String type, Instant started, Instant completed, List<String> players, int bytes) {
        return new CompletedGame(id, type, started, completed, players, new byte[bytes]);
    }

    @Test
    public void aWellFormedGameIsAccepted() {
        QueuedArchiveService.validate(game("g1", "liaptui", T.minusSeconds(60), T, List.of("a", "b"), 1000), 1000);
    }

    @Test
    public void badGamesAreRefusedWithCodeInvalidGameNamingTheProblem() {
        refused(null, "a game is required");
        refused(game(" ", "t", T, T, List.of(), 1), "gameId");
        refused(game("x".repeat(201), "t", T, T, List.of(), 1), "gameId must be 1..200");
        refused(game("a\nb", "t", T, T, List.of(), 1), "control characters");
        refused(game("g", "", T, T, List.of(), 1), "gameType");
        refused(game("g", "t", T, T, List.of(""), 1), "playerId");
        refused(game("g", "t", T, T, Collections.nCopies(101, "p"), 1), "at most 100 players");
        refused(game("g", "t", T, T, List.of(), 1001), "exceeds maxRecordBytes 1000");
        refused(game("g", "t", T, T.minusSeconds(1), List.of(), 1), "is after completedAt");
        refused(game("g", "t", Instant.parse("1969-12-31T23:59:59Z"), T, List.of(), 1), "times must lie between");
        refused(game("g", "t", T, Instant.MAX, List.of(), 1), "times must lie between");
    }

    @Test
    public void badSettingsFallBackToDefaultsAndSayWhich() {
        QueuedArchiveService.Settings s = QueuedArchiveService.Settings.of(ConfigStub.archive("(ludus.archive.backend=jdbc", 0, -5));
        assertEquals(256, s.archiver().batchSize());
        assertEquals(3, s.problems().size());
        assertTrue(s.problems().toString(), s.problems().get(0).contains("backend.target is not a valid filter"));
        assertTrue(s.problems().toString(), s.problems().get(1).contains("batchSize must be 1..10000, got 0; using 256"));
        assertTrue(s.problems().toString(), s.problems().get(2).contains("retentionDays"));
    }
}
