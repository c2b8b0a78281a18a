package dev.ludus.eventlog;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import dev.ludus.api.event.EventStoreException;
import dev.ludus.api.event.NewEvent;
import dev.ludus.api.event.WrongExpectedVersionException;

/** Small helpers the event store tests share. */
public final class Events {

    private Events() {
    }

    public static NewEvent event(String type, String data) {
        return new NewEvent(type, data.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code n} events whose payloads name the stream and version they are meant to get. */
    public static List<NewEvent> batch(String stream, long firstVersion, int n) {
        List<NewEvent> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(event("moved", payload(stream, firstVersion + i)));
        }
        return out;
    }

    public static String payload(String stream, long version) {
        return stream + "@" + version;
    }

    public static String text(byte[] data) {
        return new String(data, StandardCharsets.UTF_8);
    }

    /** The exception an append failed with, or a test failure if it succeeded. */
    public static Throwable failure(CompletionStage<Long> stage) {
        try {
            Long v = stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
            fail("expected a failure, got version " + v);
            return null;
        } catch (java.util.concurrent.ExecutionException | CompletionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    public static void assertCode(String code, Throwable t) {
        if (t instanceof EventStoreException e) {
            assertEquals(t.getMessage(), code, e.code());
        } else if (t instanceof WrongExpectedVersionException e) {
            assertEquals(t.getMessage(), code, e.code());
        } else {
            throw new AssertionError("expected an exception with code " + code + ", got " + t, t);
        }
    }

    public static void assertCode(String code, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            assertCode(code, e);
            return;
        }
        fail("expected EventStoreException " + code);
    }
}
