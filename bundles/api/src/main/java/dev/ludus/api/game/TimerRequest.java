package dev.ludus.api.game;

import java.util.Objects;

/**
 * An engine's request to be woken up: if no other action is applied within {@code delayMillis}
 * of the engine's latest action, the runtime applies {@code onExpiry}. Engines never read a clock;
 * time enters the game only as such actions, which keeps replay deterministic.
 *
 * @param name        what the timer is for, for example {@code redeal_answer}
 * @param delayMillis delay after the latest accepted action, at least 0
 * @param onExpiry    the action the runtime applies when the timer fires
 */
public record TimerRequest(String name, long delayMillis, Action onExpiry) {
    public TimerRequest {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(onExpiry, "onExpiry");
        if (delayMillis < 0) {
            throw new IllegalArgumentException("delayMillis must be >= 0: " + delayMillis);
        }
    }
}
