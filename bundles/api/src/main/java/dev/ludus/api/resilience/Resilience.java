package dev.ludus.api.resilience;

import java.util.List;
import java.util.regex.Pattern;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Named policies. Any valid name gives a policy: one the operator has not configured runs with the
 * defaults (a breaker that opens at half of the last 20 calls failing, three attempts). Calls of one
 * name share one breaker, one bulkhead and one rate limit on this node, so name a policy after what
 * is called ({@code archive.jdbc}, {@code redis}, {@code bus.nats}, {@code webhooks.<receiver>}).
 *
 * <pre>{@code
 * Policy p = resilience.policy("archive.jdbc");
 * Optional<CompletedGame> g = p.call(() -> backend.load(id));
 * }</pre>
 */
@ProviderType
public interface Resilience {

    /** What a policy name may be: 1 to 64 letters, digits, '.', '-' or '_', starting with a letter. */
    Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9._-]{0,63}");

    /**
     * The policy of that name. The same name gives the same policy for the life of this service,
     * and a setting changed live applies to it at once.
     *
     * @throws ResilienceException {@link ResilienceException#INVALID_NAME} for a name outside {@link #NAME}
     */
    Policy policy(String name);

    /** Every policy used or configured so far, by name. */
    List<PolicyStatus> policies();

    /**
     * Forces a policy's breaker open (every call refused) or closed (every call made, failures
     * counted but never opening it), or gives it back to its failures ({@link Forced#NONE}). An
     * operator's switch: it lasts until changed again or the policy's settings change.
     *
     * @throws ResilienceException {@link ResilienceException#INVALID_NAME} for a name outside {@link #NAME}
     */
    void force(String name, Forced how);

    /** An operator's override of a breaker. */
    enum Forced {
        NONE, OPEN, CLOSED
    }

    /** Checks a policy name as every implementation must. */
    static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ResilienceException(ResilienceException.INVALID_NAME,
                    "a policy name is 1 to 64 letters, digits, '.', '-' or '_', starting with a letter; got "
                            + (name == null ? "null" : "'" + (name.length() > 80 ? name.substring(0, 80) + "…" : name) + "'"));
        }
        return name;
    }
}
