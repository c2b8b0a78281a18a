package dev.ludus.gateway;

/**
 * A connection's message budget: a token bucket of {@code burst} messages refilled at
 * {@code perSecond}. Also counts the refusals in a row, so a flooding client can be told apart
 * from one that briefly ran over. Thread safe.
 */
final class MessageBudget {

    private final double perMilli;
    private final double burst;
    private double tokens;
    private long lastMillis;
    private int refusedInARow;

    MessageBudget(int perSecond, int burst, long nowMillis) {
        this.perMilli = Math.max(1, perSecond) / 1000.0;
        this.burst = Math.max(1, burst);
        this.tokens = this.burst;
        this.lastMillis = nowMillis;
    }

    /** Takes one message from the budget; false if the budget is spent. */
    synchronized boolean tryTake(long nowMillis) {
        if (nowMillis > lastMillis) {
            tokens = Math.min(burst, tokens + (nowMillis - lastMillis) * perMilli);
            lastMillis = nowMillis;
        }
        if (tokens >= 1) {
            tokens -= 1;
            refusedInARow = 0;
            return true;
        }
        refusedInARow++;
        return false;
    }

    /** Messages refused since the last one that was within budget. */
    synchronized int refusedInARow() {
        return refusedInARow;
    }
}
