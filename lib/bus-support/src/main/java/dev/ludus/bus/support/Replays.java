package dev.ludus.bus.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.bus.MessageBus;

/**
 * Replays asked for through ConfigAdmin: every bus has the settings {@code replayGroups} (comma
 * separated, {@code *} for every group) and {@code replayGeneration}; raising the number replays
 * those groups' dead letters once. The number done last is kept in a file of the bus's, so a
 * restart does not replay again; a failed replay leaves it, so a restart or the next change tries
 * again.
 */
public final class Replays {

    private static final Logger LOG = LoggerFactory.getLogger(Replays.class);

    private Replays() {
    }

    /**
     * Replays when {@code generation} is above the one recorded in {@code mark}.
     *
     * @param who the bus and its PID, for logs and for the replay's record
     * @return dead letters queued, or -1 when nothing was asked or it failed
     */
    public static int apply(MessageBus bus, String who, String replayGroups, long generation, Path mark) {
        if (generation <= 0) {
            return -1;
        }
        long done = 0;
        try {
            done = Files.exists(mark) ? Long.parseLong(Files.readString(mark).trim()) : 0;
        } catch (IOException | NumberFormatException e) {
            LOG.warn("{}: cannot read {} ({}); replaying", who, mark, e.toString());
        }
        if (generation <= done) {
            return -1;
        }
        List<String> groups = new ArrayList<>();
        String wanted = replayGroups == null ? "" : replayGroups.trim();
        if (wanted.equals("*")) {
            bus.status().groups().forEach(g -> groups.add(g.group()));
        } else {
            Arrays.stream(wanted.split(",")).map(String::trim).filter(g -> !g.isEmpty()).forEach(groups::add);
        }
        int queued = 0;
        for (String group : groups) {
            try {
                queued += bus.replay(group, List.of(), "configuration " + who + " replayGeneration " + generation)
                        .toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            } catch (Exception e) {
                LOG.error("{}: replaying the dead letters of {} failed (code bus_replay_failed): {}", who, group,
                        e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
                return -1;
            }
        }
        try {
            Files.createDirectories(mark.getParent());
            Files.writeString(mark, Long.toString(generation));
        } catch (IOException e) {
            LOG.warn("{}: cannot record replay number {} in {}: {}", who, generation, mark, e.toString());
        }
        LOG.info("{}: replay number {}: {} dead letter(s) of {} queued for delivery", who, generation, queued, groups);
        return queued;
    }
}
