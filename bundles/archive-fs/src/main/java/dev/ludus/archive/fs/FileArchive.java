package dev.ludus.archive.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.archive.ArchiveException;
import dev.ludus.api.archive.ArchiveQuery;
import dev.ludus.api.archive.CompletedGame;

/**
 * Archived games on local disk. Games are grouped by the UTC day they completed
 * ({@code root/2026/11/26/}); each {@link #store} call writes one pack file per day it touches
 * (see {@link Pack}): records compressed with {@link Deflater}, every entry and the footer
 * checksummed with CRC32C, written to a temporary file, fsync'd, renamed into place and the
 * directory fsync'd, so a pack is either wholly there or not at all. Reads verify both checksums.
 *
 * <p>An in-memory index (game id to pack and offset) is built at start from the packs' footers; it
 * makes {@link #load} one read and {@link #store} idempotent by id. Queries read the footers of
 * the days in range only. At a low rate of games each batch makes a small pack; once a day folder
 * holds {@value #MERGE_AT} packs under {@value #SMALL_PACK_BYTES} bytes they are merged into one
 * (entries copied as they are, written atomically, then the small packs deleted), so the number
 * of files stays proportional to the data, not to the number of batches.
 *
 * <p>Thread safe: writes ({@link #store}, {@link #deleteCompletedBefore}) are serialised, reads
 * run concurrently. {@link #close()} waits for calls in progress.
 */
public final class FileArchive implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FileArchive.class);
    private static final String PACK_SUFFIX = ".pack";
    /** Packs smaller than this are merged once a day folder holds {@link #MERGE_AT} of them. */
    static final long SMALL_PACK_BYTES = 128 * 1024;
    static final int MERGE_AT = 64;

    /** Where a game's entry is, and its sizes. */
    private record Location(Path pack, long offset, int length, int rawLength) {
    }

    /** Figures about what is stored. */
    public record Stats(long games, long rawBytes, long storedBytes, long packs, int damagedPacks) {
        /** Share of the raw record bytes saved by compression, 0..1. */
        public double saved() {
            return rawBytes == 0 ? 0 : 1.0 - (double) storedBytes / rawBytes;
        }
    }

    private final Path root;
    private final int level;
    private final Map<String, Location> index = new ConcurrentHashMap<>();
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final AtomicLong rawBytes = new AtomicLong();
    private final AtomicLong storedBytes = new AtomicLong();
    private final AtomicLong packs = new AtomicLong();
    /** Small packs per day folder, merge candidates. Guarded by writeLock. */
    private final Map<Path, Set<Path>> smallPacks = new HashMap<>();
    private final int damagedPacks;
    private volatile boolean closed;

    /**
     * Opens the archive under {@code root}, creating it if needed, and indexes what it holds.
     * Leftover temporary files of an interrupted write are removed.
     *
     * @param compressionLevel {@link Deflater} level, 1 (fastest) to 9 (smallest)
     * @throws IOException if the directory cannot be created or read
     */
    public FileArchive(Path root, int compressionLevel) throws IOException {
        if (compressionLevel < 1 || compressionLevel > 9) {
            throw new IllegalArgumentException("compression level must be 1..9: " + compressionLevel);
        }
        this.root = root;
        this.level = compressionLevel;
        Files.createDirectories(root, ownerOnly(root, true));
        this.damagedPacks = scan();
    }

    public Path root() {
        return root;
    }

    // ---------------------------------------------------------------- writing

    /**
     * Stores games durably; games whose id is already archived are skipped. Returns when every
     * new game is in a renamed, fsync'd pack.
     *
     * @throws ArchiveException {@code backend_unavailable} if the disk write fails; packs already
     *                          renamed stay, and a retry skips their games
     */
    public void store(Collection<CompletedGame> games) {
        enter();
        try {
            writeLock.lock();
            try {
                Map<LocalDate, List<CompletedGame>> byDay = new TreeMap<>();
                Set<String> seen = new HashSet<>();
                for (CompletedGame g : games) {
                    if (!index.containsKey(g.gameId()) && seen.add(g.gameId())) {
                        byDay.computeIfAbsent(day(g.completedAt()), d -> new ArrayList<>()).add(g);
                    }
                }
                Deflater deflater = new Deflater(level);
                try {
                    for (Map.Entry<LocalDate, List<CompletedGame>> e : byDay.entrySet()) {
                        Pack.Builder builder = new Pack.Builder(deflater);
                        for (CompletedGame g : e.getValue()) {
                            builder.add(g);
                        }
                        Path dir = dayDir(e.getKey());
                        Path pack = writePack(dir, builder);
                        indexPack(pack, builder.listed());
                        noteSize(pack);
                        Set<Path> small = smallPacks.get(dir);
                        if (small != null && small.size() >= MERGE_AT) {
                            merge(dir, small);
                        }
                    }
                } finally {
                    deflater.end();
                }
            } catch (IOException e) {
                throw new ArchiveException("backend_unavailable", "filesystem archive write failed under " + root + ": " + e, e);
            } finally {
                writeLock.unlock();
            }
        } finally {
            exit();
        }
    }

    private void indexPack(Path pack, List<Pack.Listed> listed) {
        for (Pack.Listed l : listed) {
            Location old = index.put(l.header().gameId(), new Location(pack, l.offset(), l.length(), l.header().rawLength()));
            if (old != null) {
                rawBytes.addAndGet(-old.rawLength());
                storedBytes.addAndGet(-old.length());
            }
            rawBytes.addAndGet(l.header().rawLength());
            storedBytes.addAndGet(l.length());
        }
        packs.incrementAndGet();
    }

    private void noteSize(Path pack) throws IOException {
        if (Files.size(pack) < SMALL_PACK_BYTES) {
            smallPacks.computeIfAbsent(pack.getParent(), d -> new HashSet<>()).add(pack);
        }
    }

    private void forget(Path pack) {
        Set<Path> small = smallPacks.get(pack.getParent());
        if (small != null) {
            small.remove(pack);
        }
    }

    /**
     * Merges small packs of one folder into one pack: entries are copied unchanged (verified on
     * the way), the merged pack is written atomically, the index moved to it, then the small packs
     * deleted. A crash in between leaves the same games twice, identical, which the next start
     * indexes once and the next merge folds together.
     */
    private void merge(Path dir, Set<Path> small) throws IOException {
        List<Path> inputs = new ArrayList<>(small);
        inputs.sort(null);
        Pack.Builder builder = new Pack.Builder(null);
        Set<String> copied = new HashSet<>();
        Set<Path> merged = new HashSet<>();
        for (Path pack : inputs) {
            List<Pack.RawEntry> entries = new ArrayList<>();
            try (FileChannel ch = FileChannel.open(pack, StandardOpenOption.READ)) {
                for (Pack.Listed l : Pack.readFooter(ch)) {
                    entries.add(Pack.readEntry(ch, l.offset(), l.length()));
                }
            } catch (NoSuchFileException e) {
                small.remove(pack);
                continue;
            } catch (IOException e) {
                LOG.error("archive pack {} is damaged; leaving it out of the merge: {}", pack, e.getMessage());
                small.remove(pack);
                continue;
            }
            for (Pack.RawEntry e : entries) {
                if (copied.add(e.header().gameId())) {
                    builder.addCopy(e.header(), e.headerBytes(), e.compressed());
                }
            }
            merged.add(pack);
        }
        if (merged.size() < 2) {
            return;
        }
        Path target = writePack(dir, builder);
        for (Pack.Listed l : builder.listed()) {
            index.computeIfPresent(l.header().gameId(), (id, loc) -> merged.contains(loc.pack())
                    ? new Location(target, l.offset(), l.length(), loc.rawLength()) : loc);
        }
        for (Path pack : merged) {
            Files.deleteIfExists(pack);
            small.remove(pack);
        }
        syncDirectory(dir);
        packs.addAndGet(1 - merged.size());
        noteSize(target);
    }

    /** Writes a pack atomically: temporary file, fsync, rename, fsync of the directory. */
    private Path writePack(Path dir, Pack.Builder builder) throws IOException {
        createDirectories(dir);
        String name = "p" + System.currentTimeMillis() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        Path tmp = dir.resolve("." + name + ".tmp");
        Path pack = dir.resolve(name + PACK_SUFFIX);
        ByteBuffer bytes = ByteBuffer.wrap(builder.finish());
        try (FileChannel ch = FileChannel.open(tmp, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                ownerOnly(tmp, false))) {
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, pack, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(dir);
        return pack;
    }

    /** Creates a directory and fsyncs each parent whose entries changed, so it survives a crash. */
    private void createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        createDirectories(dir.getParent());
        Files.createDirectory(dir, ownerOnly(dir, true));
        syncDirectory(dir.getParent());
    }

    /**
     * Owner-only mode (600 for files, 700 for directories) whatever the umask: packs are finished games with their seeds. Nothing
     * where the file system has no POSIX modes.
     */
    private static FileAttribute<?>[] ownerOnly(Path p, boolean directory) {
        if (!p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[0];
        }
        return new FileAttribute<?>[] {
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(directory ? "rwx------" : "rw-------"))};
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    // ---------------------------------------------------------------- reading

    /**
     * The archived game with this id, read back and verified, or empty.
     *
     * @throws ArchiveException {@code corrupt_record} if its checksums do not match;
     *                          {@code backend_unavailable} if the file cannot be read
     */
    public Optional<CompletedGame> load(String gameId) {
        enter();
        try {
            for (int attempt = 0; attempt < 3; attempt++) {
                Location loc = index.get(gameId);
                if (loc == null) {
                    return Optional.empty();
                }
                try (FileChannel ch = FileChannel.open(loc.pack(), StandardOpenOption.READ)) {
                    return Optional.of(read(ch, loc.pack(), loc.offset(), loc.length()));
                } catch (NoSuchFileException e) {
                    if (loc.equals(index.get(gameId))) {
                        throw new ArchiveException("backend_unavailable", "archived game " + gameId + " is indexed in "
                                + loc.pack() + ", which is gone", e);
                    }
                    // moved by retention meanwhile: look again
                } catch (IOException e) {
                    throw new ArchiveException("backend_unavailable", "cannot read " + loc.pack() + ": " + e, e);
                }
            }
            return Optional.empty();
        } finally {
            exit();
        }
    }

    private static CompletedGame read(FileChannel ch, Path pack, long offset, int length) throws IOException {
        Pack.RawEntry raw;
        CompletedGame game;
        try {
            raw = Pack.readEntry(ch, offset, length);
            Inflater inflater = new Inflater();
            try {
                game = Pack.toGame(raw, inflater);
            } finally {
                inflater.end();
            }
        } catch (IOException e) {
            if (e instanceof NoSuchFileException) {
                throw e;
            }
            throw new ArchiveException("corrupt_record", "archived entry at " + pack + "@" + offset + " is damaged: "
                    + e.getMessage(), e);
        }
        return game;
    }

    /**
     * Games completed in the query's range (and with its player, if given), newest first. Reads
     * the footers of the days in range, then the matching entries.
     */
    public List<CompletedGame> query(ArchiveQuery query) {
        enter();
        try {
            record Candidate(String id, Instant completedAt, Path pack, long offset, int length) {
            }
            Map<String, Candidate> found = new LinkedHashMap<>();
            LocalDate first = day(query.from());
            LocalDate last = day(query.to());
            for (Map.Entry<LocalDate, Path> d : days().descendingMap().entrySet()) {
                if (d.getKey().isAfter(last) || d.getKey().isBefore(first)) {
                    continue;
                }
                if (found.size() >= query.limit()) {
                    break; // earlier days hold only older games
                }
                for (Path pack : packsIn(d.getValue())) {
                    List<Pack.Listed> listed;
                    try (FileChannel ch = FileChannel.open(pack, StandardOpenOption.READ)) {
                        listed = Pack.readFooter(ch);
                    } catch (NoSuchFileException e) {
                        continue; // deleted meanwhile
                    }
                    for (Pack.Listed l : listed) {
                        Pack.Header h = l.header();
                        if (!h.completedAt().isBefore(query.from()) && h.completedAt().isBefore(query.to())
                                && (query.playerId().isEmpty() || h.playerIds().contains(query.playerId().get()))) {
                            found.putIfAbsent(h.gameId(), new Candidate(h.gameId(), h.completedAt(), pack, l.offset(), l.length()));
                        }
                    }
                }
            }
            List<Candidate> chosen = found.values().stream()
                    .sorted(Comparator.comparing(Candidate::completedAt).reversed().thenComparing(Candidate::id))
                    .limit(query.limit())
                    .toList();
            List<CompletedGame> out = new ArrayList<>(chosen.size());
            for (Candidate c : chosen) {
                try (FileChannel ch = FileChannel.open(c.pack(), StandardOpenOption.READ)) {
                    out.add(read(ch, c.pack(), c.offset(), c.length()));
                } catch (NoSuchFileException e) {
                    load(c.id()).ifPresent(out::add); // rewritten by retention meanwhile
                }
            }
            return out;
        } catch (IOException e) {
            throw new ArchiveException("backend_unavailable", "filesystem archive query failed under " + root + ": " + e, e);
        } finally {
            exit();
        }
    }

    /** Visits the id of every archived game. */
    public void forEachId(Consumer<String> action) {
        enter();
        try {
            index.keySet().forEach(action);
        } finally {
            exit();
        }
    }

    public Stats stats() {
        return new Stats(index.size(), rawBytes.get(), storedBytes.get(), packs.get(), damagedPacks);
    }

    // ---------------------------------------------------------------- retention

    /**
     * Deletes games completed before {@code cutoff}: days entirely before it are removed whole;
     * packs of the cutoff's own day that mix older and newer games are rewritten without the older
     * ones (atomically, like any pack). Returns how many games were deleted.
     */
    public int deleteCompletedBefore(Instant cutoff) {
        enter();
        try {
            writeLock.lock();
            try {
                LocalDate cutoffDay = day(cutoff);
                int deleted = 0;
                for (Map.Entry<LocalDate, Path> d : days().entrySet()) {
                    if (d.getKey().isAfter(cutoffDay)) {
                        break;
                    }
                    boolean wholeDay = d.getKey().isBefore(cutoffDay);
                    for (Path pack : packsIn(d.getValue())) {
                        deleted += wholeDay ? deletePack(pack) : trimPack(pack, cutoff);
                    }
                    if (wholeDay) {
                        deleteEmptyDirectories(d.getValue());
                    }
                }
                return deleted;
            } catch (IOException e) {
                throw new ArchiveException("backend_unavailable", "filesystem archive retention failed under " + root + ": " + e, e);
            } finally {
                writeLock.unlock();
            }
        } finally {
            exit();
        }
    }

    private int deletePack(Path pack) throws IOException {
        List<Pack.Listed> listed;
        try (FileChannel ch = FileChannel.open(pack, StandardOpenOption.READ)) {
            listed = Pack.readFooter(ch);
        }
        Files.delete(pack);
        syncDirectory(pack.getParent());
        packs.decrementAndGet();
        forget(pack);
        return unindex(pack, listed);
    }

    private int unindex(Path pack, List<Pack.Listed> listed) {
        int n = 0;
        for (Pack.Listed l : listed) {
            Location loc = index.get(l.header().gameId());
            if (loc != null && loc.pack().equals(pack) && loc.offset() == l.offset()
                    && index.remove(l.header().gameId(), loc)) {
                rawBytes.addAndGet(-loc.rawLength());
                storedBytes.addAndGet(-loc.length());
                n++;
            }
        }
        return n;
    }

    private int trimPack(Path pack, Instant cutoff) throws IOException {
        List<Pack.Listed> listed;
        List<Pack.Listed> keep = new ArrayList<>();
        List<Pack.Listed> drop = new ArrayList<>();
        Pack.Builder builder = new Pack.Builder(null);
        try (FileChannel ch = FileChannel.open(pack, StandardOpenOption.READ)) {
            listed = Pack.readFooter(ch);
            for (Pack.Listed l : listed) {
                if (l.header().completedAt().isBefore(cutoff)) {
                    drop.add(l);
                } else {
                    keep.add(l);
                }
            }
            if (drop.isEmpty()) {
                return 0;
            }
            for (Pack.Listed l : keep) {
                Pack.RawEntry e = Pack.readEntry(ch, l.offset(), l.length());
                builder.addCopy(e.header(), e.headerBytes(), e.compressed());
            }
        }
        if (keep.isEmpty()) {
            return deletePack(pack);
        }
        Path rewritten = writePack(pack.getParent(), builder);
        Map<String, Pack.Listed> placed = new HashMap<>();
        for (Pack.Listed l : builder.listed()) {
            placed.put(l.header().gameId(), l);
        }
        int removed = unindex(pack, drop);
        for (Pack.Listed l : keep) {
            Pack.Listed now = placed.get(l.header().gameId());
            index.computeIfPresent(l.header().gameId(), (id, loc) -> loc.pack().equals(pack)
                    ? new Location(rewritten, now.offset(), now.length(), loc.rawLength()) : loc);
        }
        Files.delete(pack);
        syncDirectory(pack.getParent());
        forget(pack);
        noteSize(rewritten);
        return removed;
    }

    private void deleteEmptyDirectories(Path dayDir) throws IOException {
        Path d = dayDir;
        while (d != null && !d.equals(root) && d.startsWith(root)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(d)) {
                if (s.iterator().hasNext()) {
                    return;
                }
            }
            Files.delete(d);
            syncDirectory(d.getParent());
            d = d.getParent();
        }
    }

    // ---------------------------------------------------------------- layout

    static LocalDate day(Instant t) {
        return LocalDate.ofInstant(t, ZoneOffset.UTC);
    }

    private Path dayDir(LocalDate day) {
        return root.resolve(String.format("%04d", day.getYear())).resolve(String.format("%02d", day.getMonthValue()))
                .resolve(String.format("%02d", day.getDayOfMonth()));
    }

    /** Every day folder, oldest first. */
    private TreeMap<LocalDate, Path> days() throws IOException {
        TreeMap<LocalDate, Path> out = new TreeMap<>();
        for (Path y : dirs(root)) {
            for (Path m : dirs(y)) {
                for (Path d : dirs(m)) {
                    try {
                        out.put(LocalDate.of(Integer.parseInt(y.getFileName().toString()),
                                Integer.parseInt(m.getFileName().toString()), Integer.parseInt(d.getFileName().toString())), d);
                    } catch (RuntimeException e) {
                        LOG.warn("ignoring unexpected folder {} in the filesystem archive", d);
                    }
                }
            }
        }
        return out;
    }

    private static List<Path> dirs(Path parent) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(parent, Files::isDirectory)) {
            s.forEach(out::add);
        } catch (NoSuchFileException e) {
            return out;
        }
        return out;
    }

    private static List<Path> packsIn(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*" + PACK_SUFFIX)) {
            s.forEach(out::add);
        } catch (NoSuchFileException e) {
            return out;
        }
        out.sort(null);
        return out;
    }

    /** Indexes every pack; removes temporary files; returns how many packs are damaged. */
    private int scan() throws IOException {
        int damaged = 0;
        for (Path day : days().values()) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(day, ".*.tmp")) {
                for (Path tmp : s) {
                    LOG.info("removing {} left by an interrupted write", tmp);
                    Files.deleteIfExists(tmp);
                }
            }
            for (Path pack : packsIn(day)) {
                try (FileChannel ch = FileChannel.open(pack, StandardOpenOption.READ)) {
                    indexPack(pack, Pack.readFooter(ch));
                    noteSize(pack);
                } catch (IOException e) {
                    damaged++;
                    LOG.error("archive pack {} is damaged and not indexed: {}", pack, e.getMessage());
                }
            }
        }
        return damaged;
    }

    // ---------------------------------------------------------------- lifecycle

    private void enter() {
        lifecycle.readLock().lock();
        if (closed) {
            lifecycle.readLock().unlock();
            throw new ArchiveException("backend_unavailable", "filesystem archive is closed", null);
        }
    }

    private void exit() {
        lifecycle.readLock().unlock();
    }

    /** Waits for calls in progress, then refuses new ones. */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            closed = true;
        } finally {
            lifecycle.writeLock().unlock();
        }
    }
}
