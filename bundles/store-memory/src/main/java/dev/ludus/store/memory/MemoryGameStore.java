package dev.ludus.store.memory;

import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.store.GameStore;
import dev.ludus.api.store.VersionConflictException;
import dev.ludus.api.store.Versioned;

/**
 * The in-memory {@link GameStore}. Each game id maps to a slot holding an immutable
 * {@link Versioned}; writes swap the slot's reference with a compare-and-set on identity, so a
 * read is one hash lookup and one volatile load, and a write allocates only the new
 * {@code Versioned}. Removal marks the slot dead before unlinking it, so a write racing with a
 * removal fails instead of resurrecting the game.
 */
@Component(service = {GameStore.class, HealthCheck.class}, property = "ludus.store=memory")
public class MemoryGameStore implements GameStore, HealthCheck {

    private static final Versioned<Object> DEAD = new Versioned<>(Long.MAX_VALUE, new Object());

    private static final class Slot {
        final AtomicReference<Versioned<?>> ref;

        Slot(Versioned<?> initial) {
            ref = new AtomicReference<>(initial);
        }
    }

    private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();
    private final LongAdder writes = new LongAdder();
    private final LongAdder conflicts = new LongAdder();

    @Deactivate
    void deactivate() {
        // The store is a cache of what the event store keeps durably; a new instance starts empty
        // and its users republish.
        slots.clear();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> Optional<Versioned<V>> get(String gameId) {
        Slot slot = slots.get(gameId);
        if (slot == null) {
            return Optional.empty();
        }
        Versioned<?> v = slot.ref.get();
        return v == DEAD ? Optional.empty() : Optional.of((Versioned<V>) v);
    }

    @Override
    public <V> Versioned<V> create(String gameId, V value) {
        Versioned<V> first = new Versioned<>(1, value);
        Slot fresh = new Slot(first);
        while (true) {
            Slot existing = slots.putIfAbsent(gameId, fresh);
            if (existing == null) {
                writes.increment();
                return first;
            }
            Versioned<?> current = existing.ref.get();
            if (current != DEAD) {
                conflicts.increment();
                throw new VersionConflictException(gameId, 0, current.version());
            }
            slots.remove(gameId, existing); // finish a removal in progress, then retry
        }
    }

    @Override
    public <V> Versioned<V> compareAndSet(String gameId, long expectedVersion, V value) {
        Slot slot = slots.get(gameId);
        if (slot == null) {
            conflicts.increment();
            throw new VersionConflictException(gameId, expectedVersion, 0);
        }
        Versioned<?> current = slot.ref.get();
        if (current == DEAD || current.version() != expectedVersion) {
            conflicts.increment();
            throw new VersionConflictException(gameId, expectedVersion, current == DEAD ? 0 : current.version());
        }
        Versioned<V> next = new Versioned<>(expectedVersion + 1, value);
        if (!slot.ref.compareAndSet(current, next)) {
            Versioned<?> now = slot.ref.get();
            conflicts.increment();
            throw new VersionConflictException(gameId, expectedVersion, now == DEAD ? 0 : now.version());
        }
        writes.increment();
        return next;
    }

    @Override
    public boolean remove(String gameId, long expectedVersion) {
        Slot slot = slots.get(gameId);
        if (slot == null) {
            return false;
        }
        Versioned<?> current = slot.ref.get();
        if (current == DEAD || current.version() != expectedVersion || !slot.ref.compareAndSet(current, DEAD)) {
            return false;
        }
        slots.remove(gameId, slot);
        writes.increment();
        return true;
    }

    @Override
    public Set<String> ids() {
        Set<String> ids = new HashSet<>();
        for (Map.Entry<String, Slot> e : slots.entrySet()) {
            if (e.getValue().ref.get() != DEAD) {
                ids.add(e.getKey());
            }
        }
        return Set.copyOf(ids);
    }

    @Override
    public String name() {
        return "store";
    }

    @Override
    public HealthResult check() {
        return HealthResult.up(Map.of("backend", "memory", "games", slots.size(),
                "writes", writes.sum(), "conflicts", conflicts.sum()));
    }
}
