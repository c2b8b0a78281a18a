package dev.ludus.api.bus;

/**
 * Thrown by a {@link MessageHandler} for a message it can never handle (a payload it cannot read):
 * the message becomes a dead letter at once, without retries.
 */
public class PoisonMessageException extends Exception {
    private static final long serialVersionUID = 1L;

    public PoisonMessageException(String message, Throwable cause) {
        super(message, cause);
    }
}
