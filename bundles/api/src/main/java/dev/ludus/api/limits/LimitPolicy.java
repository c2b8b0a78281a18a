package dev.ludus.api.limits;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How much a key may do: a bucket of {@code capacity} tokens, refilled by {@code tokens} every
 * {@code period} (smoothly, not all at once), with an optional block after repeated refusals.
 * Written as text in configuration:
 *
 * <pre>
 * 5/1m                   5 a minute, bursts of 5
 * 20/1s burst 40         20 a second, bursts of 40
 * 3/1m block 10m         3 a minute; refused twice in a row: refused for 10 minutes
 * 120/1m shadow          counted, never refused: decisions say what it would have refused
 * off                    no limit
 * </pre>
 *
 * Durations are a whole number with {@code ms}, {@code s}, {@code m} or {@code h}.
 *
 * @param name     what the policy limits, e.g. {@code create_room}; part of every bucket's identity
 * @param tokens   tokens added every {@code period}, at least 1
 * @param period   the refill period, at least 1 ms
 * @param capacity the most tokens a bucket holds (the burst), at least 1
 * @param blockFor how long a key refused twice in a row is refused; {@link Duration#ZERO}: never blocked
 * @param shadow   observe only: count what would be refused, refuse nothing
 */
public record LimitPolicy(String name, long tokens, Duration period, long capacity, Duration blockFor, boolean shadow) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");
    private static final Pattern SPEC = Pattern.compile(
            "(\\d{1,12})\\s*/\\s*(\\d{1,12}(?:ms|s|m|h))(?:\\s+burst\\s+(\\d{1,12}))?(?:\\s+block\\s+(\\d{1,12}(?:ms|s|m|h)))?(\\s+shadow)?");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h)");

    public LimitPolicy {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a policy name is 1-64 of a-z, 0-9, '_', '.', '-', starting with a letter or digit: '"
                    + name + "'");
        }
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(blockFor, "blockFor");
        if (tokens < 1 || capacity < 1) {
            throw new IllegalArgumentException("policy " + name + ": tokens and capacity must be at least 1");
        }
        if (period.toMillis() < 1 || blockFor.isNegative()) {
            throw new IllegalArgumentException("policy " + name + ": the period must be at least 1 ms and the block not negative");
        }
    }

    /** {@code tokens} every {@code period}, bursts of as many, no block, enforced. */
    public static LimitPolicy of(String name, long tokens, Duration period) {
        return new LimitPolicy(name, tokens, period, tokens, Duration.ZERO, false);
    }

    /**
     * Reads a policy written as in this class's description; null for {@code off}.
     *
     * @throws IllegalArgumentException naming the policy and what is wrong with the text
     */
    public static LimitPolicy parse(String name, String spec) {
        if (spec == null) {
            throw new IllegalArgumentException("policy " + name + ": no value (write for example 5/1m, or off)");
        }
        String s = spec.strip().toLowerCase(Locale.ROOT);
        if (s.equals("off")) {
            return null;
        }
        Matcher m = SPEC.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("policy " + name + ": '" + spec
                    + "' is not a limit: write TOKENS/PERIOD [burst N] [block DURATION] [shadow], for example 5/1m block 5m, or off");
        }
        long tokens = Long.parseLong(m.group(1));
        long capacity = m.group(3) == null ? tokens : Long.parseLong(m.group(3));
        Duration block = m.group(4) == null ? Duration.ZERO : duration(m.group(4));
        return new LimitPolicy(name, tokens, duration(m.group(2)), capacity, block, m.group(5) != null);
    }

    /** The text {@link #parse} reads back into this policy. */
    public String spec() {
        StringBuilder b = new StringBuilder().append(tokens).append('/').append(text(period));
        if (capacity != tokens) {
            b.append(" burst ").append(capacity);
        }
        if (!blockFor.isZero()) {
            b.append(" block ").append(text(blockFor));
        }
        if (shadow) {
            b.append(" shadow");
        }
        return b.toString();
    }

    /** This policy under another name. */
    public LimitPolicy named(String other) {
        return new LimitPolicy(other, tokens, period, capacity, blockFor, shadow);
    }

    private static Duration duration(String s) {
        Matcher m = DURATION.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration: " + s);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    private static String text(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
