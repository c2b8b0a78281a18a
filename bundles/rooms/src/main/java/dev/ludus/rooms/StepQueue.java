package dev.ludus.rooms;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

/**
 * A room's steps, run one at a time in submission order on a shared pool. A step may return a
 * stage (an append in flight): the next step starts only once it completes, so a room never sees
 * two changes interleave, while the pool's threads serve other rooms meanwhile.
 *
 * <p>A step runs with the logging context (MDC) of the thread that submitted it, plus
 * {@code roomId}: a player's request keeps its {@code requestId} and {@code playerId} in the room's
 * log lines, and a bot's or timer's step still names its room. It runs in the submitter's
 * OpenTelemetry {@link Context} too, so a traced action's step continues its trace.
 */
final class StepQueue {

    private static final Logger LOG = LoggerFactory.getLogger(StepQueue.class);

    /** The key of the room's id in the logging context. */
    static final String ROOM_ID = "roomId";

    private record Step(Supplier<CompletionStage<?>> work, Map<String, String> context, Context trace) {
    }

    private final String name;
    private final String roomId;
    private final Executor executor;
    private final BooleanSupplier onExecutor;
    private final ArrayDeque<Step> steps = new ArrayDeque<>();
    private boolean running;
    /** The thread in {@link #drain} now, or null. */
    private volatile Thread draining;

    /**
     * @param name       what the steps belong to, for the log
     * @param roomId     the room's id, put into each step's logging context
     * @param onExecutor whether the calling thread is one of {@code executor}'s: a step's stage
     *                   completed there lets the next steps run on that thread at once, rather
     *                   than after a trip through the executor's queue
     */
    StepQueue(String name, String roomId, Executor executor, BooleanSupplier onExecutor) {
        this.name = name;
        this.roomId = roomId;
        this.executor = executor;
        this.onExecutor = onExecutor;
    }

    /**
     * Runs {@code step} after every step submitted before it. Steps must not throw; one that does
     * is logged and the queue goes on.
     */
    void submit(Supplier<CompletionStage<?>> step) {
        Step s = new Step(step, MDC.getCopyOfContextMap(), Context.current());
        synchronized (this) {
            steps.add(s);
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
        draining = Thread.currentThread();
        try {
            drainSteps();
        } finally {
            draining = null;
        }
    }

    private void drainSteps() {
        while (true) {
            Step step;
            synchronized (this) {
                step = steps.poll();
                if (step == null) {
                    running = false;
                    return;
                }
            }
            CompletionStage<?> pending;
            enter(step.context(), roomId);
            Context trace = step.trace();
            try (Scope scope = trace == Context.root() ? Scope.noop() : trace.makeCurrent()) {
                pending = step.work().get();
            } catch (RuntimeException | LinkageError e) {
                LOG.error("{}: step failed", name, e);
                pending = null;
            } finally {
                MDC.clear();
            }
            if (pending != null && !pending.toCompletableFuture().isDone()) {
                pending.whenComplete((r, e) -> resume());
                return;
            }
        }
    }

    /**
     * Goes on with the steps once a step's stage has completed: on the completing thread when it is
     * one of the executor's (an append's continuation runs there), so an action costs one hand-off
     * less; else, or when the stage completed while this queue was still being drained on this
     * very thread, through the executor.
     */
    private void resume() {
        Thread me = Thread.currentThread();
        if (draining != me && onExecutor.getAsBoolean()) {
            drain();
        } else {
            executor.execute(this::drain);
        }
    }

    /**
     * Puts {@code context} (a copy taken with {@link MDC#getCopyOfContextMap()}, or null) in place
     * on this thread, with {@code roomId} when given. The pool's threads are the runtime's own:
     * whoever calls this clears the context when the work is done.
     */
    static void enter(Map<String, String> context, String roomId) {
        if (context == null) {
            MDC.clear();
        } else {
            MDC.setContextMap(context);
        }
        if (roomId != null) {
            MDC.put(ROOM_ID, roomId);
        }
    }
}
