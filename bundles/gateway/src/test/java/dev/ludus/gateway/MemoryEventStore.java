package dev.ludus.gateway;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.event.NewEvent;
import dev.ludus.api.event.RecordedEvent;
import dev.ludus.api.event.Snapshot;
import dev.ludus.api.event.SnapshotStore;
import dev.ludus.api.event.WrongExpectedVersionException;

/**
 * Event and snapshot streams in memory, completing appends on a writer thread of its own as the
 * durable store does. The gateway's unit tests are about the gateway; durability is proven with
 * the real store in the integration tests.
 */
final class MemoryEventStore implements EventStore, SnapshotStore, AutoCloseable {

    private final Map<String, List<RecordedEvent>> streams = new HashMap<>();
    private final Map<String, Snapshot> snapshots = new HashMap<>();
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "test-event-writer");
        t.setDaemon(true);
        return t;
    });

    @Override
    public synchronized long append(String stream, long expectedVersion, List<NewEvent> events) {
        List<RecordedEvent> s = streams.computeIfAbsent(stream, k -> new ArrayList<>());
        if (expectedVersion != ANY && expectedVersion != s.size()) {
            throw new WrongExpectedVersionException(stream, expectedVersion, s.size());
        }
        for (NewEvent e : events) {
            s.add(new RecordedEvent(stream, s.size() + 1, e.type(), System.currentTimeMillis(), e.data()));
        }
        return s.size();
    }

    @Override
    public CompletionStage<Long> appendAsync(String stream, long expectedVersion, List<NewEvent> events) {
        return CompletableFuture.supplyAsync(() -> append(stream, expectedVersion, events), writer);
    }

    @Override
    public synchronized List<RecordedEvent> read(String stream, long fromVersion, int maxCount) {
        List<RecordedEvent> s = streams.getOrDefault(stream, List.of());
        int from = (int) Math.max(0, fromVersion - 1);
        return List.copyOf(s.subList(Math.min(from, s.size()), Math.min(s.size(), from + maxCount)));
    }

    @Override
    public synchronized long version(String stream) {
        return streams.getOrDefault(stream, List.of()).size();
    }

    @Override
    public synchronized Set<String> streams() {
        return Set.copyOf(streams.keySet());
    }

    @Override
    public synchronized void save(Snapshot snapshot) {
        snapshots.put(snapshot.stream(), snapshot);
    }

    @Override
    public synchronized Optional<Snapshot> latest(String stream) {
        return Optional.ofNullable(snapshots.get(stream));
    }

    @Override
    public synchronized void delete(String stream) {
        snapshots.remove(stream);
    }

    @Override
    public void close() {
        writer.shutdownNow();
    }
}
