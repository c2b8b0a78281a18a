package dev.ludus.gateway;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a shared executor: one connection's requests
 * never overtake each other, and no connection holds a thread while it has nothing to do. The
 * queue of waiting tasks exists only while some wait: an idle connection holds none.
 */
final class SerialQueue {

    private static final Logger LOG = LoggerFactory.getLogger(SerialQueue.class);

    private final Executor executor;
    /** Tasks waiting; null when none do. Guarded by this. */
    private ArrayDeque<Runnable> tasks;
    private boolean running;

    SerialQueue(Executor executor) {
        this.executor = executor;
    }

    /** Queues a task; returns false (and drops it) if the executor refuses work (shutting down). */
    boolean submit(Runnable task) {
        synchronized (this) {
            queue(task);
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
                tasks = null;
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
                queue(task);
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
            if (tasks == null) {
                running = false;
                return;
            }
        }
        try {
            executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                tasks = null;
                running = false;
            }
        }
    }

    /** Tasks waiting, for back-pressure decisions. */
    synchronized int waiting() {
        return tasks == null ? 0 : tasks.size();
    }

    /** Adds a task to the waiting ones. Called holding this. */
    private void queue(Runnable task) {
        if (tasks == null) {
            tasks = new ArrayDeque<>(4);
        }
        tasks.add(task);
    }

    private void drain() {
        while (true) {
            Runnable task;
            synchronized (this) {
                task = tasks == null ? null : tasks.poll();
                if (task == null) {
                    running = false;
                    return;
                }
                if (tasks.isEmpty()) {
                    tasks = null; // an idle connection keeps no queue
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
