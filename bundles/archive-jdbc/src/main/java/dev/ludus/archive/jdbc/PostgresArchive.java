package dev.ludus.archive.jdbc;

import java.sql.Array;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.archive.ArchiveException;
import dev.ludus.api.archive.ArchiveQuery;
import dev.ludus.api.archive.CompletedGame;

/**
 * Archived games in PostgreSQL, in tables of one schema:
 * <ul>
 * <li>{@code game}: one row per game; times as {@code timestamptz} (microseconds, for people and
 * SQL tools) plus the nanosecond of the second so every game reads back exactly; the record as
 * {@code bytea} (PostgreSQL compresses large values itself) with its CRC32C, verified on read;</li>
 * <li>{@code game_player}: one row per game and player, indexed by player and time, for queries
 * by player;</li>
 * <li>{@code schema_version}: the migrations applied.</li>
 * </ul>
 * {@link #migrate()} creates or upgrades the schema under an advisory lock, so nodes starting
 * together do not collide. {@link #store} writes a batch in one transaction and is idempotent by
 * game id ({@code ON CONFLICT DO NOTHING}).
 *
 * <p>Thread safe; every method borrows a connection from the data source and may block on the
 * network. Failures to reach the database are {@link ArchiveException}s with code
 * {@code backend_unavailable}; a request the database refuses is {@code backend_failed}. Messages
 * never carry statement parameters (game data).
 */
public final class PostgresArchive {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresArchive.class);
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    /**
     * The schema's history; entry {@code i} upgrades version {@code i} to {@code i + 1}.
     * {@code %s} is the schema name. Never edit a released step; add one.
     */
    static final List<List<String>> MIGRATIONS = List.of(
            // 1: games, with the time index for range queries and retention
            List.of("""
                    CREATE TABLE %1$s.game (
                      game_id         text        PRIMARY KEY,
                      game_type       text        NOT NULL,
                      started_at      timestamptz NOT NULL,
                      started_nanos   integer     NOT NULL,
                      completed_at    timestamptz NOT NULL,
                      completed_nanos integer     NOT NULL,
                      player_ids      text[]      NOT NULL,
                      record          bytea       NOT NULL,
                      record_crc32c   integer     NOT NULL,
                      archived_at     timestamptz NOT NULL DEFAULT now())""",
                    "CREATE INDEX game_completed_idx ON %1$s.game (completed_at DESC, completed_nanos DESC)"),
            // 2: queries by player, backfilled from the games already there
            List.of("""
                    CREATE TABLE %1$s.game_player (
                      player_id       text        NOT NULL,
                      game_id         text        NOT NULL REFERENCES %1$s.game (game_id) ON DELETE CASCADE,
                      completed_at    timestamptz NOT NULL,
                      completed_nanos integer     NOT NULL,
                      PRIMARY KEY (game_id, player_id))""",
                    "CREATE INDEX game_player_idx ON %1$s.game_player (player_id, completed_at DESC, completed_nanos DESC)",
                    """
                    INSERT INTO %1$s.game_player (player_id, game_id, completed_at, completed_nanos)
                    SELECT DISTINCT p, g.game_id, g.completed_at, g.completed_nanos
                    FROM %1$s.game g, unnest(g.player_ids) AS p
                    ON CONFLICT DO NOTHING"""));

    private static final String COLUMNS =
            "g.game_id, g.game_type, g.started_at, g.started_nanos, g.completed_at, g.completed_nanos, g.player_ids, g.record, g.record_crc32c";

    private final DataSource dataSource;
    private final String schema;
    private volatile boolean migrated;

    /**
     * @param schema PostgreSQL schema for the tables: lower-case letters, digits and {@code _}
     * @throws IllegalArgumentException if the schema name is not such an identifier
     */
    public PostgresArchive(DataSource dataSource, String schema) {
        if (schema == null || !IDENTIFIER.matcher(schema).matches()) {
            throw new IllegalArgumentException("schema must match " + IDENTIFIER + ", got '" + schema + "'");
        }
        this.dataSource = dataSource;
        this.schema = schema;
    }

    public String schema() {
        return schema;
    }

    // ---------------------------------------------------------------- schema

    /**
     * Creates the schema or applies the migrations it lacks; returns the version it is at now.
     *
     * @throws ArchiveException {@code backend_unavailable} if the database cannot be reached;
     *                          {@code schema_too_new} if the schema is newer than this code
     */
    public int migrate() {
        return migrate(MIGRATIONS.size());
    }

    /** Migrates up to {@code target} (for tests of the upgrade path). */
    int migrate(int target) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(hashtext('ludus-archive:" + schema + "'))");
                s.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
                s.execute("CREATE TABLE IF NOT EXISTS " + schema + ".schema_version ("
                        + "version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
                int current;
                try (ResultSet rs = s.executeQuery("SELECT coalesce(max(version), 0) FROM " + schema + ".schema_version")) {
                    rs.next();
                    current = rs.getInt(1);
                }
                if (current > MIGRATIONS.size()) {
                    c.rollback();
                    throw new ArchiveException("schema_too_new", "schema " + schema + " is at version " + current
                            + " but this archive-jdbc knows only up to " + MIGRATIONS.size() + "; upgrade Ludus", null);
                }
                for (int v = current; v < target; v++) {
                    for (String sql : MIGRATIONS.get(v)) {
                        s.execute(String.format(sql, schema));
                    }
                    s.execute("INSERT INTO " + schema + ".schema_version (version) VALUES (" + (v + 1) + ")");
                    LOG.info("archive schema {} migrated to version {}", schema, v + 1);
                }
                c.commit();
                migrated = target == MIGRATIONS.size();
                return Math.max(current, target);
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw unavailable("schema migration", e);
        }
    }

    private void ensureSchema() {
        if (!migrated) {
            synchronized (this) {
                if (!migrated) {
                    migrate();
                }
            }
        }
    }

    // ---------------------------------------------------------------- writing

    /** Stores the games in one transaction; games already there are left as they are. */
    public void store(Collection<CompletedGame> games) {
        if (games.isEmpty()) {
            return;
        }
        ensureSchema();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement game = c.prepareStatement("INSERT INTO " + schema + ".game (game_id, game_type, "
                    + "started_at, started_nanos, completed_at, completed_nanos, player_ids, record, record_crc32c) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (game_id) DO NOTHING");
                 PreparedStatement player = c.prepareStatement("INSERT INTO " + schema + ".game_player (player_id, "
                         + "game_id, completed_at, completed_nanos) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                for (CompletedGame g : games) {
                    game.setString(1, g.gameId());
                    game.setString(2, g.gameType());
                    game.setObject(3, micros(g.startedAt()));
                    game.setInt(4, g.startedAt().getNano());
                    game.setObject(5, micros(g.completedAt()));
                    game.setInt(6, g.completedAt().getNano());
                    Array players = c.createArrayOf("text", g.playerIds().toArray());
                    game.setArray(7, players);
                    game.setBytes(8, g.record());
                    game.setInt(9, crc(g.record()));
                    game.addBatch();
                    for (String p : new LinkedHashSet<>(g.playerIds())) {
                        player.setString(1, p);
                        player.setString(2, g.gameId());
                        player.setObject(3, micros(g.completedAt()));
                        player.setInt(4, g.completedAt().getNano());
                        player.addBatch();
                    }
                }
                game.executeBatch();
                player.executeBatch();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        } catch (SQLException e) {
            throw unavailable("store of " + games.size() + " game(s)", e);
        }
    }

    // ---------------------------------------------------------------- reading

    /**
     * The game with this id, its record verified against the stored CRC32C, or empty.
     *
     * @throws ArchiveException {@code corrupt_record} if the record does not match its checksum
     */
    public Optional<CompletedGame> load(String gameId) {
        ensureSchema();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM " + schema + ".game g WHERE g.game_id = ?")) {
            c.setAutoCommit(false);
            s.setString(1, gameId);
            try (ResultSet rs = s.executeQuery()) {
                Optional<CompletedGame> out = rs.next() ? Optional.of(game(rs)) : Optional.empty();
                c.commit();
                return out;
            }
        } catch (SQLException e) {
            throw unavailable("load of " + gameId, e);
        }
    }

    /** Games completed in the query's range (and with its player, if given), newest first. */
    public List<CompletedGame> query(ArchiveQuery query) {
        ensureSchema();
        String range = " AND %1$s.completed_at >= ? AND %1$s.completed_at <= ?"
                + " AND NOT (%1$s.completed_at = ? AND %1$s.completed_nanos < ?)"
                + " AND NOT (%1$s.completed_at = ? AND %1$s.completed_nanos >= ?)";
        String sql;
        if (query.playerId().isPresent()) {
            sql = "SELECT " + COLUMNS + " FROM " + schema + ".game_player p JOIN " + schema + ".game g ON g.game_id = p.game_id"
                    + " WHERE p.player_id = ?" + String.format(range, "p")
                    + " ORDER BY p.completed_at DESC, p.completed_nanos DESC, p.game_id LIMIT ?";
        } else {
            sql = "SELECT " + COLUMNS + " FROM " + schema + ".game g WHERE TRUE" + String.format(range, "g")
                    + " ORDER BY g.completed_at DESC, g.completed_nanos DESC, g.game_id LIMIT ?";
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            c.setAutoCommit(false);
            int i = 1;
            if (query.playerId().isPresent()) {
                s.setString(i++, query.playerId().get());
            }
            OffsetDateTime from = micros(query.from());
            OffsetDateTime to = micros(query.to());
            s.setObject(i++, from);
            s.setObject(i++, to);
            s.setObject(i++, from);
            s.setInt(i++, query.from().getNano());
            s.setObject(i++, to);
            s.setInt(i++, query.to().getNano());
            s.setInt(i, query.limit());
            List<CompletedGame> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(game(rs));
                }
            }
            c.commit();
            return out;
        } catch (SQLException e) {
            throw unavailable("query", e);
        }
    }

    /** Visits every game id, streaming them from the database. */
    public void forEachId(Consumer<String> action) {
        ensureSchema();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false); // a cursor needs a transaction
            try (Statement s = c.createStatement()) {
                s.setFetchSize(10_000);
                try (ResultSet rs = s.executeQuery("SELECT game_id FROM " + schema + ".game")) {
                    while (rs.next()) {
                        action.accept(rs.getString(1));
                    }
                }
            }
            c.commit();
        } catch (SQLException e) {
            throw unavailable("listing of game ids", e);
        }
    }

    /** Deletes games completed before {@code cutoff}; returns how many. */
    public int deleteCompletedBefore(Instant cutoff) {
        ensureSchema();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("DELETE FROM " + schema + ".game WHERE completed_at < ?"
                     + " OR (completed_at = ? AND completed_nanos < ?)")) {
            c.setAutoCommit(false);
            OffsetDateTime t = micros(cutoff);
            s.setObject(1, t);
            s.setObject(2, t);
            s.setInt(3, cutoff.getNano());
            int n = s.executeUpdate();
            c.commit();
            return n;
        } catch (SQLException e) {
            throw unavailable("retention", e);
        }
    }

    /** Games stored, and the bytes the tables, indexes and compressed values take on disk. */
    public Map<String, Long> sizes() {
        ensureSchema();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM " + schema + ".game),"
                     + " (SELECT coalesce(sum(length(record)), 0) FROM " + schema + ".game),"
                     + " (SELECT coalesce(sum(pg_column_size(record)), 0) FROM " + schema + ".game),"
                     + " pg_total_relation_size('" + schema + ".game') + pg_total_relation_size('" + schema + ".game_player')")) {
            rs.next();
            Map<String, Long> out = new LinkedHashMap<>();
            out.put("games", rs.getLong(1));
            out.put("rawRecordBytes", rs.getLong(2));
            out.put("storedRecordBytes", rs.getLong(3));
            out.put("totalBytes", rs.getLong(4));
            return out;
        } catch (SQLException e) {
            throw unavailable("size query", e);
        }
    }

    // ---------------------------------------------------------------- mapping

    private static OffsetDateTime micros(Instant t) {
        return OffsetDateTime.ofInstant(t.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
    }

    private static Instant exact(OffsetDateTime micros, int nanos) {
        return Instant.ofEpochSecond(micros.toInstant().getEpochSecond(), nanos);
    }

    private static CompletedGame game(ResultSet rs) throws SQLException {
        String id = rs.getString(1);
        Instant started = exact(rs.getObject(3, OffsetDateTime.class), rs.getInt(4));
        Instant completed = exact(rs.getObject(5, OffsetDateTime.class), rs.getInt(6));
        Array players = rs.getArray(7);
        List<String> playerIds = Arrays.asList((String[]) players.getArray());
        byte[] record = rs.getBytes(8);
        if (crc(record) != rs.getInt(9)) {
            throw new ArchiveException("corrupt_record", "archived record of game " + id + " does not match its checksum", null);
        }
        return new CompletedGame(id, rs.getString(2), started, completed, playerIds, record);
    }

    private static int crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return (int) c.getValue();
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            // the connection is broken; the pool discards it
        }
    }

    private ArchiveException unavailable(String what, SQLException e) {
        if ("42P01".equals(e.getSQLState()) || "3F000".equals(e.getSQLState())) {
            migrated = false; // tables or schema dropped under us: create them again on the next call
        }
        SQLException cause = e instanceof BatchUpdateException && e.getNextException() != null ? e.getNextException() : e;
        String state = cause.getSQLState();
        // Connection, resource and transaction-conflict states mean "try again later"; anything
        // else is the database refusing the request itself.
        boolean transientState = state == null || state.startsWith("08") || state.startsWith("57")
                || state.startsWith("53") || state.startsWith("40") || state.startsWith("3D");
        return new ArchiveException(transientState ? "backend_unavailable" : "backend_failed",
                "PostgreSQL " + what + " failed: " + describe(cause), e);
    }

    /**
     * A short message for operators: a failed batch's own message repeats every statement with
     * its parameters (whole game records), so only the first line of the cause is kept.
     */
    static String describe(SQLException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        if (nl >= 0) {
            m = m.substring(0, nl);
        }
        if (m.length() > 300) {
            m = m.substring(0, 300) + "...";
        }
        return m + (e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")");
    }
}
