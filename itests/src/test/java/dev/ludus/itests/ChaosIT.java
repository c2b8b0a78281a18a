package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.ludus.api.event.EventStore;
import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;
import dev.ludus.api.resilience.Resilience;
import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomService;

/**
 * The chaos bundle (feature {@code chaos}) in the distribution's default feature set: a fault on
 * the event store's appends reaches the rooms through a proxy (the event store's bundle unchanged)
 * and pauses games visibly; errors reach callers as the method's own failure; a schedule restarts
 * a bundle again and again; a bad configuration is refused with its reasons; and the one switch
 * takes everything away, callers back on the original services.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ChaosIT {

    @Inject
    BundleContext context;

    @Inject
    ConfigurationAdmin configAdmin;

    private final List<org.osgi.service.cm.Configuration> made = new ArrayList<>();

    @Configuration
    public Option[] config() throws Exception {
        return ExamConfig.defaultFeatureSet("chaos", List.of("chaos"), Map.of(
                "dev.ludus.chaos.cfg", "armed = false\nreminderSeconds = 5\n",
                "dev.ludus.chaos.fault-slowstore.cfg", "service = dev.ludus.api.event.EventStore\n"
                        + "methods = appendAsync\nlatencyMillis = 1500\n"));
    }

    @After
    public void disarmAndForget() throws Exception {
        arm(false);
        for (org.osgi.service.cm.Configuration c : made) {
            c.delete();
        }
        made.clear();
    }

    private void arm(boolean armed) throws Exception {
        org.osgi.service.cm.Configuration c = configAdmin.getConfiguration("dev.ludus.chaos", "?");
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("armed", Boolean.toString(armed));
        p.put("reminderSeconds", "5");
        c.update(p);
        if (!armed) {
            Wait.until("chaos disarmed", 20_000, () -> !Boolean.TRUE.equals(chaos().details().get("armed")));
        }
    }

    private org.osgi.service.cm.Configuration factory(String factoryPid, Object... kv) throws Exception {
        org.osgi.service.cm.Configuration c = configAdmin.createFactoryConfiguration(factoryPid, "?");
        Dictionary<String, Object> p = new Hashtable<>();
        for (int i = 0; i < kv.length; i += 2) {
            p.put((String) kv[i], kv[i + 1]);
        }
        c.update(p);
        made.add(c);
        return c;
    }

    private HealthResult chaos() throws Exception {
        return HealthChecks.require(context, "chaos");
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> detail(HealthResult h, String group, String name) {
        Object g = h.details().get(group);
        return g instanceof Map<?, ?> m ? (Map<String, Object>) m.get(name) : null;
    }

    private <T> T service(Class<T> type) throws Exception {
        Wait.until(type.getSimpleName() + " registered", 20_000, () -> context.getServiceReference(type) != null);
        return context.getService(context.getServiceReference(type));
    }

    private Collection<ServiceReference<EventStore>> stores() throws Exception {
        return context.getServiceReferences(EventStore.class, null);
    }

    private static boolean uses(ServiceReference<?> ref, String bsn) {
        Bundle[] using = ref.getUsingBundles();
        if (using != null) {
            for (Bundle b : using) {
                if (bsn.equals(b.getSymbolicName())) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    public void aSlowEventStoreReachedThroughAProxyPausesGamesVisiblyAndTheSwitchTakesItAway() throws Exception {
        Wait.until("chaos installed, disarmed, with the fault from conf/", 20_000, () -> {
            HealthResult h = chaos();
            return h.status() == HealthStatus.UP && h.details().toString().contains("slowstore");
        });
        org.osgi.service.cm.Configuration rooms = configAdmin.getConfiguration("dev.ludus.rooms", "?");
        Dictionary<String, Object> rp = new Hashtable<>();
        rp.put("botThinkMillis", 20);
        rp.put("slowAppendMillis", 1000);
        rooms.update(rp);
        RoomService roomService = service(RoomService.class);
        Wait.until("the game is installed", 20_000, () -> {
            try {
                roomService.create("liap-tui", "probe", Map.of());
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        });
        List<String> ids = new ArrayList<>();
        List<String> seen = new CopyOnWriteArrayList<>();
        List<AutoCloseable> subscriptions = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RoomInfo r = roomService.create("liap-tui", "chaos " + i, Map.of("redealTimeoutMillis", "3600000"));
            subscriptions.add(roomService.subscribe(r.roomId(), "watcher", e -> seen.add(e.roomId() + " " + e.type())));
            roomService.start(r.roomId());
            ids.add(r.roomId());
        }
        Wait.until("the games are played", 20_000, () -> ids.stream()
                .allMatch(id -> roomService.get(id).orElseThrow().version() > 5));
        assertFalse("no pause before chaos is armed", seen.stream().anyMatch(s -> s.endsWith("game_paused")));
        for (ServiceReference<EventStore> ref : stores()) {
            assertEquals("no proxy before arming", null, ref.getProperty("ludus.chaos.fault"));
        }

        arm(true);
        Wait.until("the event store proxied and health loud", 20_000, () -> {
            HealthResult h = chaos();
            Map<String, Object> f = detail(h, "faults", "slowstore");
            return h.status() == HealthStatus.DEGRADED && h.reason().contains("ARMED") && f != null
                    && f.get("proxied").toString().contains("dev.ludus.api.event.EventStore");
        });
        Wait.until("the rooms moved to the proxy (callers see only the proxy)", 20_000, () -> {
            Collection<ServiceReference<EventStore>> refs = stores();
            return !refs.isEmpty() && refs.stream().allMatch(r -> "slowstore".equals(r.getProperty("ludus.chaos.fault"))
                    && uses(r, "dev.ludus.rooms"));
        });
        Wait.until("a game paused visibly: the store is slow", 20_000,
                () -> seen.stream().anyMatch(s -> s.endsWith("game_paused")));
        Wait.until("health says why", 20_000, () -> {
            HealthResult h = HealthChecks.require(context, "rooms");
            return h.status() == HealthStatus.DEGRADED && h.reason().contains("the event store has not made a move durable");
        });
        Map<String, Object> f = detail(chaos(), "faults", "slowstore");
        assertTrue("injections counted: " + f, ((Number) f.get("delays")).longValue() > 0);

        arm(false);
        Wait.until("callers back on the original event store", 20_000, () -> {
            Collection<ServiceReference<EventStore>> refs = stores();
            return !refs.isEmpty() && refs.stream().allMatch(r -> r.getProperty("ludus.chaos.fault") == null
                    && uses(r, "dev.ludus.rooms"));
        });
        Wait.until("every paused game resumed", 20_000, () -> ids.stream().allMatch(id -> {
            int paused = seen.lastIndexOf(id + " game_paused");
            return paused < 0 || seen.lastIndexOf(id + " game_resumed") > paused;
        }));
        long before = ids.stream().mapToLong(id -> roomService.get(id).orElseThrow().version()).sum();
        Wait.until("the games play on at full speed", 20_000, () -> ids.stream()
                .mapToLong(id -> roomService.get(id).orElseThrow().version()).sum() > before + 20);
        assertEquals(HealthStatus.UP, chaos().status());
        for (AutoCloseable s : subscriptions) {
            s.close();
        }
    }

    @Test
    public void anInjectedErrorReachesTheCallerAndOtherMethodsGoThrough() throws Exception {
        factory("dev.ludus.chaos.fault", "name", "policies", "service", Resilience.class.getName(),
                "methods", "policies", "errorPercent", "100", "errorMessage", "no policies today");
        arm(true);
        Wait.until("the resilience service proxied", 20_000, () -> context.getServiceReference(Resilience.class) != null
                && "policies".equals(context.getServiceReference(Resilience.class).getProperty("ludus.chaos.fault")));
        Resilience r = context.getService(context.getServiceReference(Resilience.class));
        try {
            r.policies();
            throw new AssertionError("an injected error");
        } catch (RuntimeException e) {
            assertEquals("dev.ludus.chaos.ChaosException", e.getClass().getName());
            assertTrue(e.getMessage(), e.getMessage().contains("no policies today"));
        }
        assertNotNull("another method goes through", r.policy("chaos.test"));
        arm(false);
        Wait.until("the proxy gone", 20_000, () -> context.getServiceReference(Resilience.class) != null
                && context.getServiceReference(Resilience.class).getProperty("ludus.chaos.fault") == null);
        Resilience original = context.getService(context.getServiceReference(Resilience.class));
        assertNotNull(original.policies());
    }

    @Test
    public void aScheduleRestartsABundleAgainAndAgainUntilDisarmedAndNeverTouchesWhatRunsChaos() throws Exception {
        factory("dev.ludus.chaos.schedule", "name", "caches", "bundles", "dev.ludus.cache.caffeine",
                "action", "restart", "everyMillis", "700", "jitterPercent", "10");
        factory("dev.ludus.chaos.schedule", "name", "own", "bundles", "dev.ludus.chaos, dev.ludus.api, org.apache.felix.scr",
                "everyMillis", "600");
        arm(true);
        Wait.until("three restarts", 30_000, () -> {
            Map<String, Object> s = detail(chaos(), "schedules", "caches");
            return s != null && ((Number) s.get("actions")).longValue() >= 3;
        });
        Map<String, Object> own = detail(chaos(), "schedules", "own");
        assertEquals("chaos, the API it uses and the component runtime that runs it are never acted on: " + own,
                List.of(), own.get("matches"));
        assertEquals(0L, ((Number) own.get("actions")).longValue());
        arm(false);
        Bundle caffeine = null;
        for (Bundle b : context.getBundles()) {
            if ("dev.ludus.cache.caffeine".equals(b.getSymbolicName())) {
                caffeine = b;
            }
        }
        Bundle c = caffeine;
        assertNotNull(c);
        Wait.until("the bundle active after the last restart", 20_000, () -> c.getState() == Bundle.ACTIVE);
        long modified = c.getLastModified();
        Thread.sleep(2_000);
        assertEquals("no restart after disarming", Bundle.ACTIVE, c.getState());
        assertEquals(modified, c.getLastModified());
    }

    @Test
    public void aBadConfigurationIsRefusedWithItsReasonsAndChangesNothing() throws Exception {
        factory("dev.ludus.chaos.fault", "name", "typo", "service", EventStore.class.getName(), "errorPrecent", "50");
        factory("dev.ludus.chaos.schedule", "name", "everything", "bundles", "*");
        Wait.until("both refused, with reasons", 20_000, () -> {
            String d = String.valueOf(chaos().details().get("refused"));
            return d.contains("fault 'typo': unknown setting 'errorPrecent'") && d.contains("schedule 'everything'");
        });
        org.osgi.service.cm.Configuration c = configAdmin.getConfiguration("dev.ludus.chaos", "?");
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("armed", "yes");
        c.update(p);
        Wait.until("an unreadable switch disarms and says so", 20_000, () -> {
            HealthResult h = chaos();
            return h.status() == HealthStatus.DEGRADED && h.reason().contains("armed must be true or false")
                    && Boolean.FALSE.equals(h.details().get("armed"));
        });
        for (ServiceReference<EventStore> ref : stores()) {
            assertEquals("nothing proxied", null, ref.getProperty("ludus.chaos.fault"));
        }
    }
}
