package dev.ludus.rooms;

import java.util.List;
import java.util.Map;

import dev.ludus.api.game.ActionResult;
import dev.ludus.api.game.ActionSpec;
import dev.ludus.api.game.ArgumentType;

/**
 * Refuses a player's action arguments before the engine sees them and before anything is stored:
 * first generic limits (nesting depth, approximate JSON size) that hold for every game, then, when
 * the game declares its actions, the declared keys and kinds. Without this, whatever a client sent
 * was appended to the event log for ever, and a record nested too deep for the archive's JSON
 * reader made the game's hand-over fail for ever. Immutable; made from the current settings.
 */
record ArgumentCheck(int maxDepth, int maxBytes) {

    static final String BAD_ARGUMENTS = "bad_arguments";
    static final String UNKNOWN_ACTION = "unknown_action";

    private static final String TOO_BIG = "size";

    /** The refusal for {@code args} exceeding the limits, or null when they are within them. */
    ActionResult.Rejected limits(Map<String, Object> args) {
        long[] budget = {maxBytes};
        String problem = walk(args, 1, maxDepth, budget);
        if (problem == null) {
            return null;
        }
        return new ActionResult.Rejected(BAD_ARGUMENTS, problem == TOO_BIG
                ? "arguments may take at most about " + maxBytes + " bytes of JSON" : problem);
    }

    /**
     * The refusal for an action of a type or with arguments the game did not declare, or null when
     * it passes, or when the game declares nothing.
     */
    static ActionResult.Rejected declared(List<ActionSpec> specs, String type, Map<String, Object> args) {
        if (specs == null || specs.isEmpty()) {
            return null;
        }
        for (ActionSpec spec : specs) {
            if (!spec.type().equals(type)) {
                continue;
            }
            for (Map.Entry<String, Object> e : args.entrySet()) {
                ArgumentType kind = spec.args().get(e.getKey());
                if (kind == null) {
                    return new ActionResult.Rejected(BAD_ARGUMENTS, "\"" + clip(type) + "\" takes no argument \""
                            + clip(e.getKey()) + "\"; it takes " + spec.args().keySet().stream().sorted().toList());
                }
                if (!kind.accepts(e.getValue())) {
                    return new ActionResult.Rejected(BAD_ARGUMENTS, "argument \"" + clip(e.getKey()) + "\" of \""
                            + clip(type) + "\" must be of kind " + kind);
                }
            }
            return null;
        }
        return new ActionResult.Rejected(UNKNOWN_ACTION, "unknown action type \"" + clip(type) + "\"; this game knows "
                + specs.stream().map(ActionSpec::type).toList());
    }

    /** Walks a JSON-compatible value; returns what is wrong, or null. Never descends past maxDepth. */
    private static String walk(Object value, int depth, int maxDepth, long[] budget) {
        if (value instanceof Map<?, ?> || value instanceof List<?>) {
            if (depth > maxDepth) {
                return "arguments may be nested at most " + maxDepth + " levels deep";
            }
            budget[0] -= 2;
            if (value instanceof Map<?, ?> m) {
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    budget[0] -= String.valueOf(e.getKey()).length() + 4;
                    String p = walk(e.getValue(), depth + 1, maxDepth, budget);
                    if (p != null) {
                        return p;
                    }
                }
            } else {
                for (Object o : (List<?>) value) {
                    budget[0] -= 1;
                    String p = walk(o, depth + 1, maxDepth, budget);
                    if (p != null) {
                        return p;
                    }
                }
            }
        } else if (value instanceof String s) {
            budget[0] -= s.length() + 2L;
        } else {
            budget[0] -= value == null ? 4 : String.valueOf(value).length();
        }
        return budget[0] < 0 ? TOO_BIG : null;
    }

    private static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
