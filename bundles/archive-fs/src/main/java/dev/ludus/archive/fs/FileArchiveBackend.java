package dev.ludus.archive.fs;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.archive.ArchiveBackend;
import dev.ludus.api.archive.ArchiveException;
import dev.ludus.api.archive.ArchiveQuery;
import dev.ludus.api.archive.CompletedGame;
import dev.ludus.api.health.HealthResult;

/**
 * The {@code fs} archive backend: a {@link FileArchive} under {@code $LUDUS_DATA/archive/fs}
 * (configuration {@value #PID}). Its figures are reported by {@link FileArchiveHealth}.
 */
@Component(service = {ArchiveBackend.class, FileArchiveBackend.class}, configurationPid = FileArchiveBackend.PID,
        property = ArchiveBackend.NAME_PROPERTY + "=" + FileArchiveBackend.NAME)
@Designate(ocd = FileArchiveBackend.Config.class)
public class FileArchiveBackend implements ArchiveBackend {

    static final String PID = "dev.ludus.archive.fs";
    static final String NAME = "fs";

    private static final Logger LOG = LoggerFactory.getLogger(FileArchiveBackend.class);

    @ObjectClassDefinition(name = "Ludus archive backend: filesystem",
            description = "Archived games as compressed, checksummed pack files in day folders. A change restarts "
                    + "this backend; the archive service keeps its games queued meanwhile.")
    public @interface Config {
        @AttributeDefinition(name = "Directory",
                description = "Where the archive lives; empty means $LUDUS_DATA/archive/fs.")
        String directory() default "";

        @AttributeDefinition(name = "Compression level", min = "1", max = "9",
                description = "Deflater level, 1 (fastest) to 9 (smallest).")
        int compressionLevel() default 6;
    }

    private FileArchive archive;
    private String problem;
    private volatile String lastError;

    @Activate
    void activate(BundleContext context, Config config) throws IOException {
        int level = config.compressionLevel();
        if (level < 1 || level > 9) {
            problem = "compressionLevel must be 1..9, got " + level + "; using 6";
            LOG.warn("{} configuration: {}", PID, problem);
            level = 6;
        }
        Path dir;
        if (config.directory() != null && !config.directory().isBlank()) {
            dir = Path.of(config.directory().trim());
        } else {
            String data = context.getProperty("ludus.data");
            dir = data == null || data.isBlank() ? context.getDataFile("fs").toPath() : Path.of(data, "archive", "fs");
        }
        archive = new FileArchive(dir.toAbsolutePath(), level);
        FileArchive.Stats s = archive.stats();
        LOG.info("filesystem archive at {}: {} game(s) in {} pack(s)", dir, s.games(), s.packs());
    }

    @Deactivate
    void deactivate() {
        archive.close();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void store(Collection<CompletedGame> games) {
        try {
            archive.store(games);
            lastError = null;
        } catch (ArchiveException e) {
            lastError = e.getMessage();
            throw e;
        }
    }

    @Override
    public Optional<CompletedGame> load(String gameId) {
        return archive.load(gameId);
    }

    @Override
    public List<CompletedGame> query(ArchiveQuery query) {
        return archive.query(query);
    }

    @Override
    public void forEachId(Consumer<String> action) {
        archive.forEachId(action);
    }

    @Override
    public int deleteCompletedBefore(Instant cutoff) {
        return archive.deleteCompletedBefore(cutoff);
    }

    /** This backend's health: figures, and whether the last write failed. */
    HealthResult health() {
        FileArchive.Stats s = archive.stats();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("directory", archive.root().toString());
        d.put("games", s.games());
        d.put("packs", s.packs());
        d.put("rawBytes", s.rawBytes());
        d.put("storedBytes", s.storedBytes());
        d.put("compressionSavedPercent", Math.round(s.saved() * 1000) / 10.0);
        d.put("damagedPacks", s.damagedPacks());
        String error = lastError;
        if (error != null) {
            return HealthResult.degraded("last write failed: " + error, d);
        }
        if (s.damagedPacks() > 0) {
            return HealthResult.degraded(s.damagedPacks() + " damaged pack file(s) not indexed; see the log", d);
        }
        if (problem != null) {
            return HealthResult.degraded("configuration " + PID + ": " + problem, d);
        }
        return HealthResult.up(d);
    }
}
