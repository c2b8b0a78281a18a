package dev.ludus.bus.support;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer groups a broker bus runs on this node: one handler per group takes its messages
 * (its runner); another handler of the same group (a bundle being updated) waits behind it and
 * takes over when it leaves.
 *
 * @param <R> what runs a group
 */
public final class ConsumerGroups<R> {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerGroups.class);

    private final String busName;
    private final Function<Subscriber, R> start;
    private final Consumer<R> stop;
    private final Map<String, Deque<Subscriber>> subscribers = new LinkedHashMap<>();
    private final Map<String, R> running = new HashMap<>();
    private boolean closed;

    /**
     * @param busName for logs
     * @param start   starts a runner for a subscriber (called under this object's lock)
     * @param stop    stops a runner and waits for it (called outside the lock)
     */
    public ConsumerGroups(String busName, Function<Subscriber, R> start, Consumer<R> stop) {
        this.busName = busName;
        this.start = start;
        this.stop = stop;
    }

    /** Adds a handler; it runs at once unless another handler of its group runs. */
    public synchronized void subscribe(Subscriber s) {
        if (closed) {
            return;
        }
        Deque<Subscriber> queue = subscribers.computeIfAbsent(s.group(), g -> new ArrayDeque<>());
        queue.addLast(s);
        if (queue.size() == 1) {
            running.put(s.group(), start.apply(s));
            LOG.info("{} group {}: delivering {} to {}", busName, s.group(), s.topics(), s.handlerName());
        } else {
            LOG.warn("{} group {}: {} registered a second handler; it waits while {} runs", busName, s.group(),
                    s.handlerName(), queue.peekFirst().handlerName());
        }
    }

    /** Removes a handler; the next one of its group, if any, takes over. */
    public void unsubscribe(Object identity) {
        R stopping = null;
        String group = null;
        synchronized (this) {
            for (Map.Entry<String, Deque<Subscriber>> e : subscribers.entrySet()) {
                Deque<Subscriber> queue = e.getValue();
                Subscriber first = queue.peekFirst();
                if (first != null && first.identity() == identity) {
                    queue.pollFirst();
                    group = e.getKey();
                    stopping = running.remove(group);
                    break;
                }
                queue.removeIf(s -> s.identity() == identity);
            }
        }
        if (stopping != null) {
            stop.accept(stopping);
            synchronized (this) {
                Deque<Subscriber> queue = subscribers.get(group);
                if (queue != null && !queue.isEmpty() && !closed && !running.containsKey(group)) {
                    Subscriber next = queue.peekFirst();
                    running.put(group, start.apply(next));
                    LOG.info("{} group {}: {} takes over", busName, group, next.handlerName());
                }
            }
        }
    }

    /** The handler running {@code group} now, or null. */
    public synchronized Subscriber handlerOf(String group) {
        Deque<Subscriber> queue = subscribers.get(group);
        return queue == null ? null : queue.peekFirst();
    }

    /** Each group known here with its running handler (null when none). */
    public synchronized Map<String, Subscriber> groups() {
        Map<String, Subscriber> out = new LinkedHashMap<>();
        subscribers.forEach((g, q) -> out.put(g, q.peekFirst()));
        return out;
    }

    public synchronized List<R> runners() {
        return new ArrayList<>(running.values());
    }

    /** Stops every runner; no group starts after this. Returns false when it was closed already. */
    public boolean close() {
        List<R> stopping;
        synchronized (this) {
            if (closed) {
                return false;
            }
            closed = true;
            stopping = new ArrayList<>(running.values());
            running.clear();
        }
        stopping.forEach(stop);
        return true;
    }
}
