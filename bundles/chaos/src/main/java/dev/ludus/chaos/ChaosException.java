package dev.ludus.chaos;

/**
 * A failure a chaos fault injected into a call whose method declares no exception it could throw
 * instead. Its message names the fault, so a log line shows where a failure came from.
 */
public final class ChaosException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ChaosException(String message) {
        super(message);
    }
}
