package dev.ludus.api.resilience;

import java.time.Instant;

/**
 * A policy's state and counts on this node since it was made (counts survive a change of its
 * settings; the breaker's state and failure rate start afresh with new settings).
 *
 * @param name         the policy's name
 * @param state        the breaker's state
 * @param failureRate  percent of the breaker's window that failed, or -1 before it has its minimum of calls
 * @param calls        calls made through the policy (attempts are counted once per call)
 * @param failures     calls that failed after their attempts
 * @param refused      calls refused without being made (breaker open, bulkhead full, rate spent)
 * @param retries      attempts after the first
 * @param timeouts     attempts that outlasted the time limit
 * @param lastFailure  the last failure, as "when: what", or null
 * @param since        when the breaker entered its state
 * @param settings     the settings in force, as the operator would write them
 */
public record PolicyStatus(String name, State state, float failureRate, long calls, long failures, long refused,
                           long retries, long timeouts, String lastFailure, Instant since, String settings) {

    /** A breaker's states. */
    public enum State {
        /** Calls are made; failures are counted. */
        CLOSED,
        /** Calls are refused until the open time has passed. */
        OPEN,
        /** A few trial calls decide whether to close or open again. */
        HALF_OPEN,
        /** Forced open by an operator: every call refused. */
        FORCED_OPEN,
        /** Forced closed by an operator: every call made, the breaker never opens. */
        FORCED_CLOSED
    }

    /** Whether calls are being refused. */
    public boolean refusing() {
        return state == State.OPEN || state == State.FORCED_OPEN;
    }
}
