package dev.ludus.config.guard;

/**
 * One property of one configuration that was refused.
 *
 * @param pid      the configuration PID
 * @param property the property name
 * @param value    the refused value as shown to operators (quoted, or hidden for a secret)
 * @param allowed  what the property may hold, in words
 */
record Refusal(String pid, String property, String value, String allowed) {

    @Override
    public String toString() {
        return property + " = " + value + " (allowed: " + allowed + ")";
    }
}
