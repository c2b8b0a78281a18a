package dev.ludus.gateway;

/**
 * A connection's message budget: a token bucket of {@code burst} messages refilled at
 * {@code perSecond}. Also counts the refusals of the last {@link #WINDOW_MILLIS}, so a flooding
 * client can be told apart from one that briefly ran over. Thread safe.
 */
final class MessageBudget {

    /** The window over which refusals are counted. */
    static final long WINDOW_MILLIS = 10_000;

    private final double perMilli;
    private final double burst;
    private double tokens;
    private long lastMillis;
    private long windowStart;
    private int refusedInWindow;

    MessageBudget(int perSecond, int burst, long nowMillis) {
        this.perMilli = Math.max(1, perSecond) / 1000.0;
        this.burst = Math.max(1, burst);
        this.tokens = this.burst;
        this.lastMillis = nowMillis;
        this.windowStart = nowMillis;
    }

    /** Takes one message from the budget; false if the budget is spent. */
    synchronized boolean tryTake(long nowMillis) {
        if (nowMillis > lastMillis) {
            tokens = Math.min(burst, tokens + (nowMillis - lastMillis) * perMilli);
            lastMillis = nowMillis;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        if (nowMillis - windowStart > WINDOW_MILLIS) {
            windowStart = nowMillis;
            refusedInWindow = 0;
        }
        refusedInWindow++;
        return false;
    }

    /** Messages refused in the current window (at most the last {@link #WINDOW_MILLIS}). */
    synchronized int refusedRecently() {
        return refusedInWindow;
    }
}
