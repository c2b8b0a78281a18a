package dev.ludus.gateway;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class ResumeTokensTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private static final Instant NOW = Instant.parse("2026-01-01T10:00:00Z");

    private static ResumeTokens at(byte[] key, Instant t) {
        return new ResumeTokens(key, Clock.fixed(t, ZoneOffset.UTC));
    }

    @Test
    public void aTokenVerifiesUntilItExpiresAndOnlyWithItsKey() {
        byte[] key = new byte[32];
        key[0] = 1;
        ResumeTokens tokens = at(key, NOW);
        String id = tokens.newPlayerId();
        String token = tokens.issue(id, 60);
        assertEquals(new ResumeTokens.Verified(id, null), tokens.verify(token));
        assertTrue(at(key, NOW.plusSeconds(59)).verify(token).ok());
        assertEquals("token_expired", at(key, NOW.plusSeconds(60)).verify(token).error());
        byte[] other = key.clone();
        other[31] = 9;
        assertEquals("bad_token", at(other, NOW).verify(token).error());
    }

    @Test
    public void tamperedOrMalformedTokensAreRefused() {
        ResumeTokens tokens = at(new byte[32], NOW);
        String token = tokens.issue("abc", 60);
        String[] parts = token.split("\\.");
        assertEquals("bad_token", tokens.verify("v1.abd." + parts[2] + "." + parts[3]).error());
        assertEquals("bad_token", tokens.verify("v1.abc." + (Long.parseLong(parts[2]) + 1000) + "." + parts[3]).error());
        assertEquals("bad_token", tokens.verify("v2.abc." + parts[2] + "." + parts[3]).error());
        for (String garbage : new String[] {"", "x", "v1..1.x", "v1.abc.1", "v1.abc.x.y", "v1.abc.1.!!!", "a.b.c.d.e"}) {
            assertFalse(garbage, tokens.verify(garbage).ok());
        }
        assertFalse(tokens.verify(null).ok());
        assertFalse(tokens.verify("v1." + "a".repeat(600) + ".1.x").ok());
    }

    @Test
    public void theKeyIsCreatedOnceOwnerOnlyAndReadBackTheSame() throws IOException {
        Path file = tmp.getRoot().toPath().resolve("data/gateway/resume.key");
        byte[] first = ResumeTokens.loadOrCreateKey(file);
        assertEquals(32, first.length);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertArrayEquals(first, ResumeTokens.loadOrCreateKey(file));
        String token = at(first, NOW).issue("p", 60);
        assertTrue("tokens survive a restart", at(ResumeTokens.loadOrCreateKey(file), NOW).verify(token).ok());
        try (var files = Files.list(file.getParent())) {
            assertEquals("no temporary files left", 1, files.count());
        }
        Files.write(file, new byte[5]);
        assertThrows(IOException.class, () -> ResumeTokens.loadOrCreateKey(file));
    }

    @Test
    public void theBudgetAllowsABurstThenTheSustainedRate() {
        MessageBudget b = new MessageBudget(10, 5, 0);
        for (int i = 0; i < 5; i++) {
            assertTrue(b.tryTake(0));
        }
        assertFalse(b.tryTake(0));
        assertFalse(b.tryTake(50));
        assertEquals(2, b.refusedRecently());
        assertTrue("one message per 100 ms", b.tryTake(100));
        assertEquals("refusals count until the window ends", 2, b.refusedRecently());
        assertFalse(b.tryTake(150));
        assertEquals(3, b.refusedRecently());
        for (int i = 0; i < 5; i++) {
            assertTrue("full again after a pause", b.tryTake(Duration.ofSeconds(10).toMillis()));
        }
        assertFalse(b.tryTake(Duration.ofSeconds(10).toMillis() + 50));
        assertEquals("a new window", 1, b.refusedRecently());
        for (int i = 0; i < 5; i++) {
            assertTrue("refilled to the burst, not beyond", b.tryTake(20_000));
        }
        assertFalse(b.tryTake(20_000));
    }
}
