package dev.ludus.api;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.Test;

import dev.ludus.api.archive.ArchiveQuery;
import dev.ludus.api.event.WrongExpectedVersionException;
import dev.ludus.api.game.Action;
import dev.ludus.api.game.GameEvent;
import dev.ludus.api.game.GameSetup;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;
import dev.ludus.api.store.VersionConflictException;
import dev.ludus.api.store.Versioned;

public class ValueTypesTest {

    @Test
    public void worstStatusWins() {
        assertEquals(HealthStatus.DEGRADED, HealthStatus.UP.worst(HealthStatus.DEGRADED));
        assertEquals(HealthStatus.DOWN, HealthStatus.DOWN.worst(HealthStatus.UP));
        assertEquals(HealthStatus.UP, HealthStatus.UP.worst(HealthStatus.UP));
    }

    @Test
    public void valuesCopyTheirCollections() {
        Map<String, Object> args = new HashMap<>(Map.of("piles", 2));
        Action a = new Action(1, "declare", args);
        args.put("piles", 3);
        assertEquals(2, a.args().get("piles"));
        Map<String, Object> details = new HashMap<>();
        HealthResult r = HealthResult.up(details);
        details.put("x", 1);
        assertTrue(r.details().isEmpty());
    }

    @Test
    public void eventsKnowTheirAudience() {
        assertTrue(new GameEvent("hand", 2, Map.of()).visibleTo(2));
        assertFalse(new GameEvent("hand", 2, Map.of()).visibleTo(1));
        assertTrue(new GameEvent("play", GameEvent.EVERYONE, Map.of()).visibleTo(3));
    }

    @Test
    public void invalidValuesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Versioned<>(0, "x"));
        assertThrows(IllegalArgumentException.class,
                () -> new ArchiveQuery(Instant.EPOCH, Instant.EPOCH, Optional.empty(), 10));
        assertThrows(IllegalArgumentException.class,
                () -> new ArchiveQuery(Instant.EPOCH, Instant.now(), Optional.empty(), 0));
        assertThrows(NullPointerException.class, () -> new GameSetup(null, 1, List.of(), Map.of()));
    }

    @Test
    public void conflictsCarryStableCodes() {
        assertEquals("version_conflict", new VersionConflictException("g", 1, 2).code());
        WrongExpectedVersionException e = new WrongExpectedVersionException("s", 3, 5);
        assertEquals("wrong_expected_version", e.code());
        assertEquals("stream 's' is at version 5, append expected 3", e.getMessage());
    }
}
