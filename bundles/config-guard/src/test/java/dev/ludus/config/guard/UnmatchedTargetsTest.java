package dev.ludus.config.guard;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.Test;

public class UnmatchedTargetsTest {

    private static final String BUS = "dev.ludus.api.bus.MessageBus";
    private static final String CACHES = "dev.ludus.api.cache.Caches";

    /** A registry holding services given as interface → their property maps; filters of the form (k=v) or (k=*). */
    private record Registry(Map<String, List<Map<String, String>>> services) implements UnmatchedTargets.Registry {
        @Override
        public boolean matches(String service, String filter) {
            if (!filter.matches("\\(([a-z.]+)=([a-z*]+)\\)")) {
                throw new IllegalArgumentException("Missing closing parenthesis: " + filter);
            }
            String key = filter.substring(1, filter.indexOf('='));
            String value = filter.substring(filter.indexOf('=') + 1, filter.length() - 1);
            return services.getOrDefault(service, List.of()).stream()
                    .anyMatch(p -> p.containsKey(key) && (value.equals("*") || value.equals(p.get(key))));
        }

        @Override
        public List<String> values(String service, String property) {
            return services.getOrDefault(service, List.of()).stream().map(p -> p.get(property))
                    .filter(v -> v != null).sorted().toList();
        }
    }

    private final Registry registry = new Registry(Map.of(
            BUS, List.of(Map.of("ludus.bus", "local")),
            CACHES, List.of(Map.of("ludus.cache", "caffeine"))));

    private static UnmatchedTargets.Target rooms(String filter) {
        return new UnmatchedTargets.Target("dev.ludus.rooms", "bus", BUS, filter, false);
    }

    @Test
    public void aTargetMatchingNothingIsNamedOnlyOnceItHasStoodForTheGracePeriodWithTheValuesThere() {
        UnmatchedTargets t = new UnmatchedTargets();
        List<UnmatchedTargets.Target> targets = List.of(rooms("(ludus.bus=nats)"),
                new UnmatchedTargets.Target("dev.ludus.gateway", "cache", CACHES, "(ludus.cache=caffeine)", false));
        assertEquals(List.of(), t.find(targets, registry, 1_000));
        assertEquals("a switch under way is not named", List.of(),
                t.find(targets, registry, 1_000 + UnmatchedTargets.GRACE_MILLIS - 1));
        List<String> named = t.find(targets, registry, 1_000 + UnmatchedTargets.GRACE_MILLIS);
        assertEquals(List.of("dev.ludus.rooms: bus.target (ludus.bus=nats) matches no MessageBus service "
                + "(there: ludus.bus=local); it runs without one"), named);
    }

    @Test
    public void aTargetThatMatchesAgainStartsItsGraceAfreshShouldItStopMatching() {
        UnmatchedTargets t = new UnmatchedTargets();
        UnmatchedTargets.Target target = rooms("(ludus.bus=local)");
        Registry none = new Registry(Map.of());
        assertEquals(List.of(), t.find(List.of(target), none, 0));
        assertEquals(List.of(), t.find(List.of(target), registry, 5_000)); // matched: forgotten
        assertEquals(List.of(), t.find(List.of(target), none, 6_000));
        assertEquals(List.of(), t.find(List.of(target), none, 6_000 + UnmatchedTargets.GRACE_MILLIS - 1));
        List<String> named = t.find(List.of(target), none, 6_000 + UnmatchedTargets.GRACE_MILLIS);
        assertEquals(1, named.size());
        assertTrue(named.get(0), named.get(0).contains("none with ludus.bus is registered: is its feature installed?"));
    }

    @Test
    public void aMandatoryReferenceSaysItsComponentDoesNotRunAndABadFilterIsNamedAtOnce() {
        UnmatchedTargets t = new UnmatchedTargets();
        UnmatchedTargets.Target mandatory = new UnmatchedTargets.Target("dev.ludus.cache.redis", "redis",
                "dev.ludus.api.redis.RedisClient", "(ludus.redis=default)", true);
        UnmatchedTargets.Target bad = rooms("(ludus.bus=local");
        assertEquals(List.of("dev.ludus.rooms: bus.target (ludus.bus=local is not a valid filter (Missing closing "
                + "parenthesis: (ludus.bus=local); it runs without one"), t.find(List.of(mandatory, bad), registry, 0));
        List<String> later = t.find(List.of(mandatory, bad), registry, UnmatchedTargets.GRACE_MILLIS);
        assertEquals(2, later.size());
        assertTrue(later.get(0), later.get(0).startsWith("dev.ludus.cache.redis: redis.target (ludus.redis=default) "
                + "matches no RedisClient service") && later.get(0).endsWith("; the component that needs it does not run"));
    }
}
