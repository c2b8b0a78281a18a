package dev.ludus.archive.jdbc;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.junit.After;
import org.junit.Before;
import org.junit.ClassRule;
import org.junit.Test;
import org.postgresql.ds.PGSimpleDataSource;

import dev.ludus.testing.services.PostgresRule;

import dev.ludus.api.archive.ArchiveException;
import dev.ludus.api.archive.ArchiveQuery;
import dev.ludus.api.archive.CompletedGame;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;

/**
 * Against a real PostgreSQL (see testing/services: the local server when it answers, else an
 * embedded one; without either the class is skipped and the build says so, or fails under
 * {@code LUDUS_TEST_SERVICES=required}). The class has a database of its own; each test uses its
 * own schema in it and drops it.
 */
public class PostgresArchiveTest {

    @ClassRule
    public static final PostgresRule PG = new PostgresRule();

    static final Instant T = Instant.parse("2026-11-24T12:00:00.123456789Z");

    private PGSimpleDataSource ds;
    private String schema;

    @Before
    public void connect() throws SQLException {
        ds = PG.database().dataSource();
        schema = "ludus_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = ds.getConnection()) {
            assertTrue("PostgreSQL answers at " + PG.database().jdbcUrl(), c.isValid(5));
        }
    }

    @After
    public void dropSchema() throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    static CompletedGame game(String id, Instant completed, String... players) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            b.append("{\"seq\":").append(i).append(",\"move\":\"").append(id.hashCode() % 97 + i).append("\"}\n");
        }
        return new CompletedGame(id, "liaptui", completed.minusSeconds(300).plusNanos(7), completed, List.of(players),
                b.toString().getBytes(StandardCharsets.UTF_8));
    }

    static void assertSame(CompletedGame e, CompletedGame a) {
        assertEquals(e.gameId(), a.gameId());
        assertEquals(e.gameType(), a.gameType());
        assertEquals(e.startedAt(), a.startedAt());
        assertEquals(e.completedAt(), a.completedAt());
        assertEquals(e.playerIds(), a.playerIds());
        assertArrayEquals(e.record(), a.record());
    }

    private int version() throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT max(version) FROM " + schema + ".schema_version")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    public void createsTheSchemaAndUpgradesAnOlderOneWithItsData() throws Exception {
        PostgresArchive a = new PostgresArchive(ds, schema);
        assertEquals(1, a.migrate(1));
        assertEquals(1, version());
        // A version-1 archive holds games but has no player table yet.
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO " + schema + ".game (game_id, game_type, started_at, started_nanos, completed_at,"
                    + " completed_nanos, player_ids, record, record_crc32c) VALUES ('old', 't', now(), 0, '2026-11-24T10:00:00Z', 0,"
                    + " ARRAY['p1','p2'], '\\x00'::bytea, 0)");
        }
        assertEquals(PostgresArchive.MIGRATIONS.size(), a.migrate());
        assertEquals(2, version());
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT player_id FROM " + schema + ".game_player WHERE game_id = 'old' ORDER BY 1")) {
            List<String> players = new ArrayList<>();
            while (rs.next()) {
                players.add(rs.getString(1));
            }
            assertEquals("backfilled", List.of("p1", "p2"), players);
        }
        assertEquals("again: nothing to do", 2, a.migrate());
        assertEquals(2, version());
    }

    @Test
    public void aSchemaNewerThanTheCodeIsRefused() throws Exception {
        PostgresArchive a = new PostgresArchive(ds, schema);
        a.migrate();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO " + schema + ".schema_version (version) VALUES (99)");
        }
        try {
            new PostgresArchive(ds, schema).migrate();
            fail("migrated a newer schema");
        } catch (ArchiveException e) {
            assertEquals("schema_too_new", e.code());
        }
    }

    @Test
    public void gamesReadBackExactlyToTheNanosecondAndStoringTwiceChangesNothing() throws Exception {
        PostgresArchive a = new PostgresArchive(ds, schema);
        CompletedGame g = game("g1", T, "p1", "p2", "p1");
        a.store(List.of(g, game("g2", T.plusNanos(1), "p3")));
        assertSame(g, a.load("g1").orElseThrow());
        assertEquals(T.plusNanos(1), a.load("g2").orElseThrow().completedAt());
        a.store(List.of(g, game("g3", T, "p1")));
        Set<String> ids = new HashSet<>();
        a.forEachId(id -> assertTrue("once: " + id, ids.add(id)));
        assertEquals(Set.of("g1", "g2", "g3"), ids);
        assertEquals(Optional.empty(), a.load("nope"));
    }

    @Test
    public void queriesByRangeAndPlayerNewestFirstWithExactBoundaries() throws Exception {
        PostgresArchive a = new PostgresArchive(ds, schema);
        List<CompletedGame> games = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            // games 1 ns apart within one microsecond, then minutes apart: boundaries below a microsecond matter
            Instant at = i < 5 ? T.plusNanos(i) : T.plus(Duration.ofMinutes(i));
            games.add(game("g" + i, at, "p" + i % 3, "all"));
        }
        a.store(games);
        List<CompletedGame> sub = a.query(new ArchiveQuery(T.plusNanos(1), T.plusNanos(4), Optional.empty(), 10));
        assertEquals(List.of("g3", "g2", "g1"), sub.stream().map(CompletedGame::gameId).toList());

        List<CompletedGame> range = a.query(new ArchiveQuery(games.get(5).completedAt(), games.get(20).completedAt(), Optional.empty(), 100));
        assertEquals(15, range.size());
        assertEquals("g19", range.get(0).gameId());
        assertSame(games.get(5), range.get(14));

        List<CompletedGame> p2 = a.query(new ArchiveQuery(T, T.plus(Duration.ofDays(1)), Optional.of("p2"), 3));
        assertEquals(List.of("g29", "g26", "g23"), p2.stream().map(CompletedGame::gameId).toList());
        assertSame(games.get(29), p2.get(0));
    }

    @Test
    public void retentionDeletesOlderGamesAndTheirPlayerRows() throws Exception {
        PostgresArchive a = new PostgresArchive(ds, schema);
        a.store(List.of(game("old", T.minus(Duration.ofDays(40)), "p"), game("edge", T, "p"), game("new", T.plusNanos(1), "p")));
        assertEquals(2, a.deleteCompletedBefore(T.plusNanos(1)));
        assertEquals(Optional.empty(), a.load("old"));
        assertEquals(Optional.empty(), a.load("edge"));
        assertTrue(a.load("new").isPresent());
        assertEquals(List.of("new"), a.query(new ArchiveQuery(Instant.EPOCH, T.plusSeconds(1), Optional.of("p"), 10))
                .stream().map(CompletedGame::gameId).toList());
        assertEquals(1, a.sizes().get("games").longValue());
    }

    @Test
    public void aDamagedRecordIsDetectedWithCodeCorruptRecord() throws Exception {
        PostgresArchive a = new PostgresArchive(ds, schema);
        a.store(List.of(game("g", T, "p")));
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("UPDATE " + schema + ".game SET record = overlay(record placing '\\x58'::bytea from 10 for 1)");
        }
        try {
            a.load("g");
            fail("damaged record returned");
        } catch (ArchiveException e) {
            assertEquals("corrupt_record", e.code());
        }
    }

    @Test
    public void aRefusedBatchIsReportedShortlyWithoutTheGameDataAndNothingOfItIsStored() throws Exception {
        PostgresArchive a = new PostgresArchive(ds, schema);
        CompletedGame good = game("fine", T, "p");
        CompletedGame bad = new CompletedGame("nul", "type\u0000", T, T, List.of("p"), "SECRET-RECORD-CONTENT".getBytes(StandardCharsets.UTF_8));
        try {
            a.store(List.of(good, bad));
            fail("stored text with a NUL character");
        } catch (ArchiveException e) {
            assertEquals("backend_failed", e.code());
            assertTrue(e.getMessage(), e.getMessage().length() < 400);
            assertTrue(e.getMessage(), !e.getMessage().contains("INSERT") && !e.getMessage().contains("\\x"));
        }
        assertEquals("the batch is one transaction", Optional.empty(), a.load("fine"));
    }

    static PostgresArchiveBackend.Config config(Map<String, Object> values) {
        return (PostgresArchiveBackend.Config) Proxy.newProxyInstance(PostgresArchiveTest.class.getClassLoader(),
                new Class<?>[] {PostgresArchiveBackend.Config.class},
                (proxy, m, args) -> values.containsKey(m.getName()) ? values.get(m.getName()) : m.getDefaultValue());
    }

    @Test
    public void theComponentNeverLogsOrReportsThePassword() throws Exception {
        String password = "s3cret-" + UUID.randomUUID();
        PrintStream originalErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PostgresArchiveBackend backend = new PostgresArchiveBackend();
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            backend.activate(config(Map.of("url", PG.database().jdbcUrl() + "?ApplicationName=x", "user", PG.database().user(), "_password", password,
                    "schema", schema, "connectTimeoutSeconds", 3)));
            backend.store(List.of(game("g", T, "p")));
            assertSame(game("g", T, "p"), backend.load("g").orElseThrow());
            HealthResult h = backend.health();
            assertEquals(h.reason(), HealthStatus.UP, h.status());
            assertTrue(h.details().toString().contains(schema));
            assertTrue(!h.details().toString().contains(password));
            assertTrue("url parameters are not shown", !h.details().toString().contains("ApplicationName"));
        } finally {
            backend.deactivate();
            System.setErr(originalErr);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertTrue("the component logged: " + log, log.contains("archive backend jdbc ready"));
        assertTrue("password in the log", !log.contains(password));
    }
}
