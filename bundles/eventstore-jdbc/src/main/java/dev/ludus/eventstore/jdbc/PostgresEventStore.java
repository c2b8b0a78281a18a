package dev.ludus.eventstore.jdbc;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.EventStoreException;
import dev.ludus.api.event.NewEvent;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.api.event.Snapshot;
import dev.ludus.api.event.SnapshotStore;
import dev.ludus.api.event.WrongExpectedVersionException;

/**
 * Event streams and snapshots in PostgreSQL, shared by every node that points at the same
 * database and schema. Tables (all in one schema):
 * <ul>
 * <li>{@code stream}: one row per stream with its current version; appends lock the rows of the
 * streams they touch ({@code SELECT ... FOR UPDATE}, in name order so two writers never
 * deadlock on them), check the expected versions, and move them on;</li>
 * <li>{@code event}: one row per event, primary key (stream, version): the last word on "no two
 * events at one version", whatever any node believes;</li>
 * <li>{@code commit_mark}: one row per committed group, so a commit whose answer was lost with
 * the connection can be found out afterwards;</li>
 * <li>{@code snapshot}: the newest snapshot of each stream;</li>
 * <li>{@code schema_version}: the migrations applied.</li>
 * </ul>
 *
 * <p>One writer thread takes every append queued since its last commit (at most
 * {@link Settings#groupMaxEvents()} events and {@link Settings#groupMaxBytes()} bytes) and commits
 * them in one transaction, with batched statements: a group costs five round trips however many
 * appends it holds. An append whose expected version does not match fails alone, with
 * {@link WrongExpectedVersionException}; the others in its group go on. PostgreSQL's commit is
 * durable (its WAL is flushed) when {@code synchronous_commit} is on, its default; with it off,
 * so is this store's promise.
 *
 * <p>If the connection breaks while a commit is in flight, the outcome is unknown to the client:
 * the writer then connects again, waits for the old transaction's locks to be released, and looks
 * for the group's commit mark; the appends complete as they really ended, or with code
 * {@value #OUTCOME_UNKNOWN} if the database cannot be asked within
 * {@link Settings#outcomeTimeoutMillis()}.
 *
 * <p>Reads, versions and snapshots borrow a connection from the data source. Nothing here logs or
 * puts into an exception message an event's payload.
 */
public final class PostgresEventStore implements EventStore, SnapshotStore, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresEventStore.class);

    /** The store is closed, or was closed before the append was committed; nothing was appended. */
    public static final String STORE_CLOSED = "store_closed";
    /** The database could not be reached; nothing was appended (or read). */
    public static final String STORE_UNAVAILABLE = "store_unavailable";
    /** The database refused the statement; nothing was appended. */
    public static final String IO_ERROR = "io_error";
    /** The connection broke during the commit and the outcome could not be found out in time. */
    public static final String OUTCOME_UNKNOWN = "outcome_unknown";
    /** More appends are waiting than {@code maxPendingAppends}; nothing was appended. */
    public static final String OVERLOADED = "overloaded";
    /** A blocking append from a stage running on the writer thread, which would wait for itself. */
    public static final String WRITER_THREAD = "writer_thread";
    public static final String INVALID_STREAM = "invalid_stream";
    public static final String INVALID_EVENT = "invalid_event";
    public static final String INVALID_ARGUMENT = "invalid_argument";

    static final int MAX_NAME_BYTES = 255;
    static final int MAX_TYPE_BYTES = 255;
    static final int MAX_DATA_BYTES = 16 << 20;
    static final long MAX_APPEND_BYTES = 64 << 20;

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    /** Commit marks older than this are deleted (a lost commit is resolved within seconds). */
    private static final long MARK_RETENTION_MILLIS = TimeUnit.HOURS.toMillis(1);

    /**
     * The schema's history; entry {@code i} upgrades version {@code i} to {@code i + 1}. {@code %1$s}
     * is the schema name. Never edit a released step; add one.
     */
    static final List<List<String>> MIGRATIONS = List.of(
            List.of("""
                    CREATE TABLE %1$s.stream (
                      stream      text   PRIMARY KEY,
                      version     bigint NOT NULL,
                      updated_ms  bigint NOT NULL)""",
                    """
                    CREATE TABLE %1$s.event (
                      stream      text   NOT NULL,
                      version     bigint NOT NULL,
                      type        text   NOT NULL,
                      recorded_ms bigint NOT NULL,
                      data        bytea  NOT NULL,
                      PRIMARY KEY (stream, version))""",
                    """
                    CREATE TABLE %1$s.commit_mark (
                      id          uuid   PRIMARY KEY,
                      at_ms       bigint NOT NULL)""",
                    """
                    CREATE TABLE %1$s.snapshot (
                      stream      text   PRIMARY KEY,
                      version     bigint NOT NULL,
                      saved_ms    bigint NOT NULL,
                      data        bytea  NOT NULL)"""));

    /**
     * @param groupMaxEvents       most events committed in one transaction
     * @param groupMaxBytes        most payload bytes committed in one transaction (one larger append still goes alone)
     * @param maxPendingAppends    appends waiting beyond this are refused with {@value #OVERLOADED}
     * @param outcomeTimeoutMillis how long the writer tries to find out a commit whose answer was lost
     */
    public record Settings(int groupMaxEvents, int groupMaxBytes, int maxPendingAppends, long outcomeTimeoutMillis) {
        public static Settings defaults() {
            return new Settings(2000, 4 << 20, 100_000, 30_000);
        }
    }

    /** Figures for health and metrics. */
    public record Stats(long groups, long appends, long events, long conflicts, long failedAppends, long retries,
                        long lastCommitMicros, long maxCommitMicros, int pending, String lastError, long failingSinceMillis) {
    }

    private final DataSource data;
    private final String schema;
    private final Settings settings;
    private final Clock clock;
    private final String where;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean closed;
    private Connection connection; // the writer's own

    private final AtomicLong groups = new AtomicLong();
    private final AtomicLong appends = new AtomicLong();
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong conflicts = new AtomicLong();
    private final AtomicLong failedAppends = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private volatile long lastCommitMicros;
    private volatile long maxCommitMicros;
    private volatile String lastError;
    private volatile long failingSince;
    private volatile CommitListener listener = (micros, n) -> { };

    /** Told of every committed group: its time in microseconds and its event count. */
    public interface CommitListener {
        void committed(long micros, int events);
    }

    /**
     * Sets up the schema (see {@link #migrate}) and starts the writer.
     *
     * @param where how to name the database in messages (no password)
     * @throws IllegalArgumentException if the schema is not a lower-case identifier
     * @throws EventStoreException      ({@value #STORE_UNAVAILABLE}) if the database cannot be reached,
     *                                  ({@value #IO_ERROR}) if the schema cannot be set up
     */
    public PostgresEventStore(DataSource data, String schema, Settings settings, Clock clock, String where) {
        if (schema == null || !IDENTIFIER.matcher(schema).matches()) {
            throw new IllegalArgumentException("schema must match " + IDENTIFIER + ", got '" + schema + "'");
        }
        this.data = data;
        this.schema = schema;
        this.settings = settings;
        this.clock = clock;
        this.where = where;
        migrate();
        writer = new Thread(this::writeLoop, "ludus-eventstore-jdbc-writer");
        writer.setDaemon(true);
        writer.start();
    }

    public void commitListener(CommitListener l) {
        listener = l == null ? (micros, n) -> { } : l;
    }

    public String schema() {
        return schema;
    }

    // ---------------------------------------------------------------- schema

    /** Creates the schema or applies the migrations it lacks, under an advisory lock; returns its version. */
    int migrate() {
        try (Connection c = data.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                    lock.setString(1, "ludus-eventstore-jdbc:" + schema);
                    lock.execute();
                }
                st.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
                st.execute("CREATE TABLE IF NOT EXISTS " + schema + ".schema_version (version integer PRIMARY KEY,"
                        + " applied_at timestamptz NOT NULL DEFAULT now())");
                int version;
                try (ResultSet rs = st.executeQuery("SELECT coalesce(max(version), 0) FROM " + schema + ".schema_version")) {
                    rs.next();
                    version = rs.getInt(1);
                }
                if (version > MIGRATIONS.size()) {
                    throw new EventStoreException(IO_ERROR, "the event store schema " + schema + " is at version " + version
                            + ", newer than this bundle knows (" + MIGRATIONS.size() + "): a newer Ludus wrote it", null);
                }
                for (int v = version; v < MIGRATIONS.size(); v++) {
                    for (String sql : MIGRATIONS.get(v)) {
                        st.execute(String.format(sql, schema));
                    }
                    st.execute("INSERT INTO " + schema + ".schema_version (version) VALUES (" + (v + 1) + ")");
                    LOG.info("event store: schema {} migrated to version {}", schema, v + 1);
                }
                c.commit();
                return MIGRATIONS.size();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw error(e, "setting up the schema " + schema);
        }
    }

    // ---------------------------------------------------------------- appends

    @Override
    public long append(String stream, long expectedVersion, List<NewEvent> events) {
        if (Thread.currentThread() == writer) {
            throw new EventStoreException(WRITER_THREAD, "a blocking append from a stage running on the event store's"
                    + " writer thread would wait for itself; use appendAsync or continue on another thread", null);
        }
        try {
            return appendAsync(stream, expectedVersion, events).toCompletableFuture().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    @Override
    public CompletionStage<Long> appendAsync(String stream, long expectedVersion, List<NewEvent> events) {
        Pending p = prepare(stream, expectedVersion, events);
        if (closed) {
            return CompletableFuture.failedFuture(closedError());
        }
        int limit = settings.maxPendingAppends();
        if (queue.size() >= limit) {
            return CompletableFuture.failedFuture(new EventStoreException(OVERLOADED,
                    limit + " appends are already waiting for the database; nothing was appended, retry later", null));
        }
        queue.add(p);
        if (closed && queue.remove(p)) {
            p.future.completeExceptionally(closedError());
        }
        return p.future;
    }

    private static Pending prepare(String stream, long expectedVersion, List<NewEvent> events) {
        checkStream(stream);
        if (expectedVersion < ANY) {
            throw new EventStoreException(INVALID_ARGUMENT, "expected version " + expectedVersion
                    + " is neither a version (>= 0), NO_STREAM (0) nor ANY (-1)", null);
        }
        if (events == null) {
            throw new EventStoreException(INVALID_ARGUMENT, "events must not be null", null);
        }
        List<NewEvent> copy = new ArrayList<>(events.size());
        long total = 0;
        for (int i = 0; i < events.size(); i++) {
            NewEvent e = events.get(i);
            if (e == null) {
                throw new EventStoreException(INVALID_EVENT, "event " + i + " is null", null);
            }
            if (!fits(e.type(), MAX_TYPE_BYTES) || !wellFormed(e.type())) {
                throw new EventStoreException(INVALID_EVENT, "event " + i + ": type must be at most " + MAX_TYPE_BYTES
                        + " UTF-8 bytes of well-formed text without U+0000", null);
            }
            if (e.data().length > MAX_DATA_BYTES) {
                throw new EventStoreException(INVALID_EVENT, "event " + i + ": payload of " + e.data().length
                        + " bytes exceeds " + MAX_DATA_BYTES, null);
            }
            total += e.data().length + e.type().length();
            copy.add(e);
        }
        if (total > MAX_APPEND_BYTES) {
            throw new EventStoreException(INVALID_ARGUMENT, "append of " + total + " bytes exceeds " + MAX_APPEND_BYTES, null);
        }
        return new Pending(stream, expectedVersion, copy, total);
    }

    /** Checks a stream name as every call does: 1 to 255 UTF-8 bytes of well-formed text without U+0000. */
    static void checkStream(String stream) {
        if (stream == null || stream.isEmpty()) {
            throw new EventStoreException(INVALID_STREAM, "stream name must not be empty", null);
        }
        if (!fits(stream, MAX_NAME_BYTES)) {
            throw new EventStoreException(INVALID_STREAM, "stream name must be at most " + MAX_NAME_BYTES + " UTF-8 bytes", null);
        }
        if (!wellFormed(stream)) {
            throw new EventStoreException(INVALID_STREAM, "stream name has an unpaired surrogate or U+0000", null);
        }
    }

    private static boolean fits(String s, int maxBytes) {
        return s.length() <= maxBytes && (s.length() * 3 <= maxBytes || s.getBytes(StandardCharsets.UTF_8).length <= maxBytes);
    }

    /** No unpaired surrogates (the text survives UTF-8 unchanged) and no U+0000 (PostgreSQL text cannot hold it). */
    private static boolean wellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0) {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private EventStoreException closedError() {
        return new EventStoreException(STORE_CLOSED, "the event store is closed; nothing was appended", null);
    }

    // ---------------------------------------------------------------- the writer

    private static final class Pending {
        final String stream;
        final long expected;
        final List<NewEvent> events;
        final long bytes;
        final CompletableFuture<Long> future = new CompletableFuture<>();
        long version; // after the append, once decided
        RuntimeException refusal; // a wrong expected version, once decided

        Pending(String stream, long expected, List<NewEvent> events, long bytes) {
            this.stream = stream;
            this.expected = expected;
            this.events = events;
            this.bytes = bytes;
        }
    }

    private void writeLoop() {
        List<Pending> group = new ArrayList<>();
        try {
            while (!closed) {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                group.add(first);
                int n = first.events.size();
                long bytes = first.bytes;
                Pending next;
                while ((next = queue.peek()) != null && n + next.events.size() <= settings.groupMaxEvents()
                        && bytes + next.bytes <= settings.groupMaxBytes()) {
                    group.add(queue.poll());
                    n += next.events.size();
                    bytes += next.bytes;
                }
                commit(group);
                group.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            LOG.error("event store: the writer failed; appends are refused until the store is restarted", e);
            lastError = "the writer failed: " + e;
            for (Pending p : group) {
                p.future.completeExceptionally(new EventStoreException(IO_ERROR, "the writer failed: " + e, e));
            }
            closed = true;
        } finally {
            Pending p;
            while ((p = queue.poll()) != null) {
                p.future.completeExceptionally(closedError());
            }
            dropConnection();
        }
    }

    /** Commits one group in one transaction and completes its appends, in the order they were made. */
    private void commit(List<Pending> group) {
        long started = System.nanoTime();
        long now = clock.millis();
        for (int attempt = 1; ; attempt++) {
            UUID mark = UUID.randomUUID();
            boolean commitSent = false;
            Connection c = null;
            try {
                c = connection();
                Map<String, Long> touched = decide(c, group);
                if (touched.isEmpty()) {
                    c.rollback();
                } else {
                    write(c, group, touched, mark, now);
                    commitSent = true;
                    c.commit();
                }
                committed(group, started);
                return;
            } catch (SQLException e) {
                rollbackQuietly(c);
                boolean lostConnection = connectionLost(e);
                if (lostConnection) {
                    dropConnection();
                }
                if (commitSent && lostConnection) {
                    resolve(group, mark, started, e);
                    return;
                }
                String state = e.getSQLState();
                // 23505: another node created one of these streams meanwhile; 40P01/40001: a deadlock
                // or serialization failure. Deciding again sees the other's commit.
                if (attempt < 5 && ("23505".equals(state) || "40P01".equals(state) || "40001".equals(state))) {
                    retries.incrementAndGet();
                    continue;
                }
                fail(group, error(e, "appending"));
                return;
            }
        }
    }

    /**
     * Locks the group's streams, checks every append's expected version in order and decides its
     * new version; returns the streams that move on, with their final versions.
     */
    private Map<String, Long> decide(Connection c, List<Pending> group) throws SQLException {
        Set<String> names = new HashSet<>();
        for (Pending p : group) {
            names.add(p.stream);
        }
        Map<String, Long> versions = new java.util.HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT stream, version FROM " + schema
                + ".stream WHERE stream = ANY(?) ORDER BY stream FOR UPDATE")) {
            ps.setArray(1, c.createArrayOf("text", names.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    versions.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        Map<String, Long> touched = new LinkedHashMap<>();
        for (Pending p : group) {
            long current = versions.getOrDefault(p.stream, NO_STREAM);
            p.refusal = null;
            if (p.expected != ANY && p.expected != current) {
                p.refusal = new WrongExpectedVersionException(p.stream, p.expected, current);
                p.version = current;
                continue;
            }
            p.version = current + p.events.size();
            if (!p.events.isEmpty()) {
                versions.put(p.stream, p.version);
                touched.put(p.stream, p.version);
            }
        }
        return touched;
    }

    private void write(Connection c, List<Pending> group, Map<String, Long> touched, UUID mark, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema
                + ".event (stream, version, type, recorded_ms, data) VALUES (?, ?, ?, ?, ?)")) {
            // In stream order, so that two nodes creating the same new streams wait for each other
            // in one order instead of deadlocking (the sort is stable: one stream's appends stay in order).
            List<Pending> accepted = new ArrayList<>(group.size());
            for (Pending p : group) {
                if (p.refusal == null) {
                    accepted.add(p);
                }
            }
            accepted.sort(java.util.Comparator.comparing(p -> p.stream));
            for (Pending p : accepted) {
                long v = p.version - p.events.size();
                for (NewEvent e : p.events) {
                    ps.setString(1, p.stream);
                    ps.setLong(2, ++v);
                    ps.setString(3, e.type());
                    ps.setLong(4, now);
                    ps.setBytes(5, e.data());
                    ps.addBatch();
                }
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".stream (stream, version, updated_ms)"
                + " VALUES (?, ?, ?) ON CONFLICT (stream) DO UPDATE SET version = EXCLUDED.version, updated_ms = EXCLUDED.updated_ms")) {
            for (Map.Entry<String, Long> t : touched.entrySet()) {
                ps.setString(1, t.getKey());
                ps.setLong(2, t.getValue());
                ps.setLong(3, now);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".commit_mark (id, at_ms) VALUES (?, ?)")) {
            ps.setObject(1, mark);
            ps.setLong(2, now);
            ps.executeUpdate();
        }
        if (groups.get() % 1000 == 0) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + schema + ".commit_mark WHERE at_ms < ?")) {
                ps.setLong(1, now - MARK_RETENTION_MILLIS);
                ps.executeUpdate();
            }
        }
    }

    /** The group is decided and, if it wrote anything, committed: completes every append. */
    private void committed(List<Pending> group, long startedNanos) {
        long micros = (System.nanoTime() - startedNanos) / 1000;
        int n = 0;
        for (Pending p : group) {
            if (p.refusal == null) {
                n += p.events.size();
            }
        }
        groups.incrementAndGet();
        events.addAndGet(n);
        lastCommitMicros = micros;
        if (micros > maxCommitMicros) {
            maxCommitMicros = micros;
        }
        if (failingSince != 0) {
            LOG.info("event store: the database at {} takes appends again", where);
            failingSince = 0;
        }
        try {
            listener.committed(micros, n);
        } catch (RuntimeException e) {
            LOG.warn("event store: a commit listener failed: {}", e.toString());
        }
        for (Pending p : group) {
            if (p.refusal != null) {
                conflicts.incrementAndGet();
                p.future.completeExceptionally(p.refusal);
            } else {
                appends.incrementAndGet();
                p.future.complete(p.version);
            }
        }
    }

    private void fail(List<Pending> group, EventStoreException error) {
        failedAppends.addAndGet(group.size());
        lastError = error.getMessage();
        if (failingSince == 0) {
            failingSince = clock.millis();
            LOG.warn("event store: appends fail: {} ({})", error.getMessage(), error.code());
        }
        for (Pending p : group) {
            p.future.completeExceptionally(error);
        }
    }

    /**
     * The connection broke after the commit was sent: find out whether it took effect. Another
     * connection locks the same stream rows, which waits for the old transaction if the server
     * still runs it, then looks for the group's commit mark.
     */
    private void resolve(List<Pending> group, UUID mark, long startedNanos, SQLException cause) {
        LOG.warn("event store: the connection broke while committing {} appends; finding out whether they were"
                + " committed ({})", group.size(), cause.getMessage());
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.outcomeTimeoutMillis());
        while (!closed && System.nanoTime() < deadline) {
            try (Connection c = data.getConnection()) {
                c.setAutoCommit(false);
                Set<String> names = new HashSet<>();
                group.forEach(p -> names.add(p.stream));
                try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + schema
                        + ".stream WHERE stream = ANY(?) ORDER BY stream FOR UPDATE")) {
                    ps.setArray(1, c.createArrayOf("text", names.toArray()));
                    ps.executeQuery().close();
                }
                boolean found;
                try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + schema + ".commit_mark WHERE id = ?")) {
                    ps.setObject(1, mark);
                    try (ResultSet rs = ps.executeQuery()) {
                        found = rs.next();
                    }
                }
                c.rollback();
                if (found) {
                    LOG.info("event store: the {} appends were committed", group.size());
                    committed(group, startedNanos);
                } else {
                    LOG.info("event store: the {} appends were not committed; they fail", group.size());
                    fail(group, new EventStoreException(STORE_UNAVAILABLE, "the connection to the database at " + where
                            + " broke during the commit, which did not take effect; nothing was appended", cause));
                }
                return;
            } catch (SQLException e) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        fail(group, new EventStoreException(OUTCOME_UNKNOWN, "the connection to the database at " + where
                + " broke during the commit and it could not be asked within " + settings.outcomeTimeoutMillis()
                + " ms whether the commit took effect: the appends may or may not be in the streams (read them)", cause));
    }

    private Connection connection() throws SQLException {
        Connection c = connection;
        if (c == null) {
            c = data.getConnection();
            c.setAutoCommit(false);
            connection = c;
        }
        return c;
    }

    private void dropConnection() {
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // it is already broken
            }
        }
    }

    private static void rollbackQuietly(Connection c) {
        if (c != null) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // the connection is broken; it will be dropped
            }
        }
    }

    /** Whether the error means the connection is gone (or none could be had). */
    static boolean connectionLost(SQLException e) {
        String state = e.getSQLState();
        return e instanceof SQLTransientConnectionException || (state != null && (state.startsWith("08")
                || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")));
    }

    private EventStoreException error(SQLException e, String doing) {
        if (connectionLost(e)) {
            return new EventStoreException(STORE_UNAVAILABLE, "the database at " + where + " could not be reached while "
                    + doing + " (" + e.getMessage() + "); nothing was changed", e);
        }
        return new EventStoreException(IO_ERROR, "the database at " + where + " refused " + doing + " (SQLState "
                + e.getSQLState() + "); nothing was changed", e);
    }

    // ---------------------------------------------------------------- reads

    @Override
    public List<RecordedEvent> read(String stream, long fromVersion, int maxCount) {
        checkStream(stream);
        if (maxCount < 0) {
            throw new EventStoreException(INVALID_ARGUMENT, "maxCount must not be negative, got " + maxCount, null);
        }
        if (maxCount == 0) {
            return List.of();
        }
        try (Connection c = data.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT version, type, recorded_ms, data FROM " + schema
                     + ".event WHERE stream = ? AND version >= ? ORDER BY version LIMIT ?")) {
            ps.setString(1, stream);
            ps.setLong(2, Math.max(1, fromVersion));
            ps.setInt(3, maxCount);
            List<RecordedEvent> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new RecordedEvent(stream, rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getBytes(4)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw error(e, "reading a stream");
        }
    }

    @Override
    public long version(String stream) {
        checkStream(stream);
        try (Connection c = data.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT version FROM " + schema + ".stream WHERE stream = ?")) {
            ps.setString(1, stream);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : NO_STREAM;
            }
        } catch (SQLException e) {
            throw error(e, "reading a stream's version");
        }
    }

    @Override
    public Set<String> streams() {
        try (Connection c = data.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT stream FROM " + schema + ".stream")) {
            Set<String> out = new HashSet<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        } catch (SQLException e) {
            throw error(e, "listing the streams");
        }
    }

    // ---------------------------------------------------------------- snapshots

    @Override
    public void save(Snapshot snapshot) {
        if (snapshot == null || snapshot.version() < 0) {
            throw new EventStoreException(INVALID_ARGUMENT, "a snapshot must be given, with a version >= 0", null);
        }
        checkStream(snapshot.stream());
        try (Connection c = data.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".snapshot AS s (stream, version, saved_ms, data)"
                     + " VALUES (?, ?, ?, ?) ON CONFLICT (stream) DO UPDATE SET version = EXCLUDED.version,"
                     + " saved_ms = EXCLUDED.saved_ms, data = EXCLUDED.data WHERE s.version <= EXCLUDED.version")) {
            ps.setString(1, snapshot.stream());
            ps.setLong(2, snapshot.version());
            ps.setLong(3, clock.millis());
            ps.setBytes(4, snapshot.data());
            ps.executeUpdate();
            commitIfNeeded(c);
        } catch (SQLException e) {
            throw error(e, "saving a snapshot");
        }
    }

    @Override
    public Optional<Snapshot> latest(String stream) {
        checkStream(stream);
        try (Connection c = data.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT version, data FROM " + schema + ".snapshot WHERE stream = ?")) {
            ps.setString(1, stream);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Snapshot(stream, rs.getLong(1), rs.getBytes(2))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw error(e, "reading a snapshot");
        }
    }

    @Override
    public void delete(String stream) {
        checkStream(stream);
        try (Connection c = data.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM " + schema + ".snapshot WHERE stream = ?")) {
            ps.setString(1, stream);
            ps.executeUpdate();
            commitIfNeeded(c);
        } catch (SQLException e) {
            throw error(e, "deleting a snapshot");
        }
    }

    private static void commitIfNeeded(Connection c) throws SQLException {
        if (!c.getAutoCommit()) {
            c.commit();
        }
    }

    // ---------------------------------------------------------------- state

    public Stats stats() {
        return new Stats(groups.get(), appends.get(), events.get(), conflicts.get(), failedAppends.get(), retries.get(),
                lastCommitMicros, maxCommitMicros, queue.size(), lastError, failingSince);
    }

    /** The database answers again (its owner checked): appends are no longer counted as failing. */
    public void answered() {
        failingSince = 0;
    }

    public boolean closed() {
        return closed;
    }

    /**
     * Stops taking appends, lets the group in progress finish, fails the rest with
     * {@value #STORE_CLOSED} and closes the writer's connection. Waits up to 10 s for the writer.
     */
    @Override
    public void close() {
        closed = true;
        try {
            writer.join(TimeUnit.SECONDS.toMillis(10) + settings.outcomeTimeoutMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Pending p;
        while ((p = queue.poll()) != null) {
            p.future.completeExceptionally(closedError());
        }
    }
}
