package dev.ludus.rooms;

import java.util.ArrayDeque;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A room's steps, run one at a time in submission order on a shared pool. A step may return a
 * stage (an append in flight): the next step starts only once it completes, so a room never sees
 * two changes interleave, while the pool's threads serve other rooms meanwhile.
 */
final class StepQueue {

    private static final Logger LOG = LoggerFactory.getLogger(StepQueue.class);

    private final String name;
    private final Executor executor;
    private final ArrayDeque<Supplier<CompletionStage<?>>> steps = new ArrayDeque<>();
    private boolean running;

    /** @param name what the steps belong to, for the log */
    StepQueue(String name, Executor executor) {
        this.name = name;
        this.executor = executor;
    }

    /**
     * Runs {@code step} after every step submitted before it. Steps must not throw; one that does
     * is logged and the queue goes on.
     */
    void submit(Supplier<CompletionStage<?>> step) {
        synchronized (this) {
            steps.add(step);
            if (running) {
                return;
            }
            running = true;
        }
        executor.execute(this::drain);
    }

    /** {@link #submit} for a step that finishes before it returns. */
    void run(Runnable step) {
        submit(() -> {
            step.run();
            return null;
        });
    }

    private void drain() {
        while (true) {
            Supplier<CompletionStage<?>> step;
            synchronized (this) {
                step = steps.poll();
                if (step == null) {
                    running = false;
                    return;
                }
            }
            CompletionStage<?> pending;
            try {
                pending = step.get();
            } catch (RuntimeException | LinkageError e) {
                LOG.error("{}: step failed", name, e);
                pending = null;
            }
            if (pending != null && !pending.toCompletableFuture().isDone()) {
                pending.whenComplete((r, e) -> executor.execute(this::drain));
                return;
            }
        }
    }
}
