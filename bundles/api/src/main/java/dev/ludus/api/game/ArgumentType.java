package dev.ludus.api.game;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * The kind of value one declared action argument holds, as decoded from JSON. Used by
 * {@link ActionSpec} so the runtime can refuse malformed arguments before they are stored.
 */
public enum ArgumentType {
    /** A whole number (a JSON number without a fractional part). */
    INTEGER,
    /** Any JSON number. */
    NUMBER,
    /** A JSON string. */
    STRING,
    /** {@code true} or {@code false}. */
    BOOLEAN,
    /** A JSON array; its elements are bounded only by the runtime's size and depth limits. */
    LIST,
    /** A JSON object; its keys are bounded only by the runtime's size and depth limits. */
    OBJECT;

    /** Whether {@code value}, a JSON-compatible Java value, is of this kind. */
    public boolean accepts(Object value) {
        return switch (this) {
            case INTEGER -> value instanceof Integer || value instanceof Long || value instanceof Short
                    || value instanceof Byte || value instanceof BigInteger
                    || (value instanceof Number n && !(value instanceof BigDecimal)
                        && n.doubleValue() == Math.rint(n.doubleValue()) && !Double.isInfinite(n.doubleValue()));
            case NUMBER -> value instanceof Number;
            case STRING -> value instanceof String;
            case BOOLEAN -> value instanceof Boolean;
            case LIST -> value instanceof List<?>;
            case OBJECT -> value instanceof Map<?, ?>;
        };
    }
}
