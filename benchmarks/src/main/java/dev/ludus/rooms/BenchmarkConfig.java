package dev.ludus.rooms;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;

/**
 * A {@link RoomsConfig} for benchmarks that run the runtime without a framework: the attributes
 * named here take the given values, every other one its declared default. Built as a proxy rather
 * than an anonymous class so the benchmarks compile against any version of the configuration
 * interface (attributes added or removed), which lets one benchmark source measure two revisions
 * of the runtime side by side.
 */
final class BenchmarkConfig {

    private BenchmarkConfig() {
    }

    /**
     * A configuration with long timeouts (nothing idles out or is closed during a benchmark),
     * snapshots every 50 actions and the given bot think time. No disconnect grace: the benchmarks
     * seat players who never connect and have bots play for them from the first move.
     */
    static RoomsConfig withBotThink(long botThinkMillis) {
        return of(Map.of(
                "snapshotEvery", 50,
                "botThinkMillis", botThinkMillis,
                "disconnectGraceSeconds", 0,
                "idleTimeoutMillis", 600_000,
                "archiveRetrySeconds", 3600,
                "emptyRoomSeconds", 604_800,
                "abandonedGameSeconds", 0,
                "finishedRoomSeconds", 600));
    }

    /** Attributes by name; an attribute the interface does not declare is ignored. */
    static RoomsConfig of(Map<String, ?> values) {
        InvocationHandler handler = (proxy, method, args) -> switch (method.getName()) {
            case "annotationType" -> RoomsConfig.class;
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            case "toString" -> "@RoomsConfig" + values;
            default -> value(method, values.get(method.getName()));
        };
        return (RoomsConfig) Proxy.newProxyInstance(RoomsConfig.class.getClassLoader(),
                new Class<?>[] {RoomsConfig.class}, handler);
    }

    private static Object value(Method attribute, Object given) {
        if (given == null) {
            return attribute.getDefaultValue();
        }
        Class<?> type = attribute.getReturnType();
        if (given instanceof Number n) {
            if (type == int.class) {
                return n.intValue();
            }
            if (type == long.class) {
                return n.longValue();
            }
            if (type == double.class) {
                return n.doubleValue();
            }
        }
        return given;
    }
}
