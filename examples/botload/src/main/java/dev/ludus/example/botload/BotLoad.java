package dev.ludus.example.botload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomService;

/**
 * Fills the node with all-bot games and records, outside the process, what it was told: every
 * room event a spectator receives is appended to {@code ackLog} as {@code roomId version} (the
 * runtime broadcasts only what is durable). With {@code report} set it instead writes, once the
 * rooms of the ack log are back, one line per room: its id, state, room version, the engine's
 * action count and the number of action records in its event stream. A configuration changed while
 * the component runs writes the report it names (if any) and changes nothing else: the rooms play
 * on and the ack log keeps growing, so a test can check the rooms between two faults without a
 * restart. Activated again while the node runs (a bundle it uses was restarted), it follows the
 * rooms of its ack log that are still held instead of making new ones.
 */
@Component(configurationPid = BotLoad.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = BotLoad.Config.class)
public class BotLoad {

    static final String PID = "dev.ludus.example.botload";

    @ObjectClassDefinition(name = "Ludus example: bot load")
    public @interface Config {
        @AttributeDefinition(description = "All-bot rooms to create and start at activation.")
        int rooms() default 0;

        @AttributeDefinition(description = "Game type of the rooms.")
        String gameType() default "liap-tui";

        @AttributeDefinition(description = "File receiving 'roomId version' for every event delivered; empty for none.")
        String ackLog() default "";

        @AttributeDefinition(description = "File to write the recovery report to; empty for none.")
        String report() default "";

        @AttributeDefinition(description = "The rooms' game options, as name=value separated by commas (for Liap Tui,"
                + " 'maxRounds=1000, winScore=100000' makes games that last a long test); empty for the game's defaults.")
        String gameOptions() default "";
    }

    @Reference
    RoomService rooms;

    @Reference
    EventStore events;

    private final List<AutoCloseable> subscriptions = new ArrayList<>();
    private ScheduledExecutorService timer;
    private FileChannel ackLog;

    @Activate
    void activate(Config config) throws IOException {
        timer = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "ludus-botload"));
        if (!config.ackLog().isEmpty() && config.rooms() > 0) {
            ackLog = FileChannel.open(Path.of(config.ackLog()), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            // Activated again (a bundle it uses was restarted): the rooms it made before play on;
            // follow those still held, and make only what is missing.
            int followed = 0;
            for (String id : loggedRooms(Path.of(config.ackLog()))) {
                if (followed < config.rooms() && rooms.get(id).isPresent()) {
                    subscriptions.add(rooms.subscribe(id, "botload", e -> ack(e.roomId(), e.version())));
                    followed++;
                }
            }
            for (int i = followed; i < config.rooms(); i++) {
                RoomInfo room = rooms.create(config.gameType(), "load " + i, options(config.gameOptions()));
                subscriptions.add(rooms.subscribe(room.roomId(), "botload", e -> ack(e.roomId(), e.version())));
                rooms.start(room.roomId());
            }
        }
        if (!config.report().isEmpty()) {
            Path report = Path.of(config.report());
            Path acks = Path.of(config.ackLog());
            timer.schedule(() -> writeReport(acks, report), 0, TimeUnit.MILLISECONDS);
        }
    }

    @Modified
    void modified(Config config) {
        if (!config.report().isEmpty() && !config.ackLog().isEmpty()) {
            Path report = Path.of(config.report());
            Path acks = Path.of(config.ackLog());
            timer.schedule(() -> writeReport(acks, report), 0, TimeUnit.MILLISECONDS);
        }
    }

    @Deactivate
    void deactivate() throws Exception {
        for (AutoCloseable s : subscriptions) {
            s.close();
        }
        timer.shutdownNow();
        if (ackLog != null) {
            ackLog.close();
        }
    }

    private synchronized void ack(String roomId, long version) {
        try {
            // One write call per line: once written, a line survives the process being killed.
            ackLog.write(ByteBuffer.wrap((roomId + " " + version + "\n").getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code name=value, name=value} as a map; a part without '=' is refused. */
    static Map<String, String> options(String text) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String part : text.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("gameOptions: '" + part.strip() + "' is not name=value");
            }
            out.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip());
        }
        return out;
    }

    /** The rooms the ack log names, in the order first named. */
    private static Set<String> loggedRooms(Path acks) throws IOException {
        Set<String> ids = new LinkedHashSet<>();
        if (Files.exists(acks)) {
            for (String line : Files.readAllLines(acks, StandardCharsets.US_ASCII)) {
                int sp = line.indexOf(' ');
                if (sp > 0) {
                    ids.add(line.substring(0, sp));
                }
            }
        }
        return ids;
    }

    private void writeReport(Path acks, Path report) {
        try {
            Set<String> ids = loggedRooms(acks);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (ids.stream().anyMatch(id -> rooms.get(id).isEmpty()) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            StringBuilder out = new StringBuilder();
            for (String id : ids) {
                Optional<RoomInfo> info = rooms.get(id);
                if (info.isEmpty()) {
                    out.append(id).append(" MISSING -1 -1 -1\n");
                    continue;
                }
                // One view is one consistent moment of the room: its version and the engine's count.
                Map<String, Object> view = rooms.view(id, "botload");
                RoomInfo room = (RoomInfo) view.get("room");
                long version = room.version();
                Object gameVersion = view.getOrDefault("gameVersion", -1);
                long actions = countActions("room-" + id, version);
                out.append(id).append(' ').append(room.state()).append(' ').append(version).append(' ')
                        .append(gameVersion).append(' ').append(actions).append('\n');
            }
            Path tmp = report.resolveSibling(report.getFileName() + ".tmp");
            Files.writeString(tmp, out.toString(), StandardCharsets.US_ASCII);
            Files.move(tmp, report, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private long countActions(String stream, long upTo) {
        long count = 0;
        long from = 1;
        while (from <= upTo) {
            List<RecordedEvent> page = events.read(stream, from, 1000);
            if (page.isEmpty()) {
                break;
            }
            for (RecordedEvent e : page) {
                if (e.version() <= upTo && e.type().equals("action")) {
                    count++;
                }
            }
            from = page.get(page.size() - 1).version() + 1;
        }
        return count;
    }
}
