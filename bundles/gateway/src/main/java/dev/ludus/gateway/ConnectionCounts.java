package dev.ludus.gateway;

import java.util.concurrent.atomic.AtomicLong;

/** Messages and bytes (UTF-8) one connection received and sent, for operators' pages. Thread safe. */
final class ConnectionCounts {

    private final AtomicLong messagesIn = new AtomicLong();
    private final AtomicLong bytesIn = new AtomicLong();
    private final AtomicLong messagesOut = new AtomicLong();
    private final AtomicLong bytesOut = new AtomicLong();

    void received(long bytes) {
        messagesIn.incrementAndGet();
        bytesIn.addAndGet(bytes);
    }

    void sent(long bytes) {
        messagesOut.incrementAndGet();
        bytesOut.addAndGet(bytes);
    }

    long messagesIn() {
        return messagesIn.get();
    }

    long bytesIn() {
        return bytesIn.get();
    }

    long messagesOut() {
        return messagesOut.get();
    }

    long bytesOut() {
        return bytesOut.get();
    }
}
