package dev.ludus.gateway;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a shared executor: one connection's requests
 * never overtake each other, and no connection holds a thread while it has nothing to do.
 */
final class SerialQueue {

    private static final Logger LOG = LoggerFactory.getLogger(SerialQueue.class);

    private final Executor executor;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean running;

    SerialQueue(Executor executor) {
        this.executor = executor;
    }

    /** Queues a task; returns false (and drops it) if the executor refuses work (shutting down). */
    boolean submit(Runnable task) {
        synchronized (this) {
            tasks.add(task);
            if (running) {
                return true;
            }
            running = true;
        }
        try {
            executor.execute(this::drain);
            return true;
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                tasks.clear();
                running = false;
            }
            return false;
        }
    }

    /**
     * Runs a task that does not block on the caller's thread when nothing of this queue is queued
     * or running (saving a thread hop on the hot path), else queues it behind the others.
     */
    void runNowOrSubmit(Runnable task) {
        synchronized (this) {
            if (running) {
                tasks.add(task);
                return;
            }
            running = true;
        }
        try {
            task.run();
        } catch (RuntimeException | LinkageError e) {
            LOG.error("gateway: request task failed", e);
        }
        synchronized (this) {
            if (tasks.isEmpty()) {
                running = false;
                return;
            }
        }
        try {
            executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                tasks.clear();
                running = false;
            }
        }
    }

    /** Tasks waiting, for back-pressure decisions. */
    synchronized int waiting() {
        return tasks.size();
    }

    private void drain() {
        while (true) {
            Runnable task;
            synchronized (this) {
                task = tasks.poll();
                if (task == null) {
                    running = false;
                    return;
                }
            }
            try {
                task.run();
            } catch (RuntimeException | LinkageError e) {
                LOG.error("gateway: request task failed", e);
            }
        }
    }
}
