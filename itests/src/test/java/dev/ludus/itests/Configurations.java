package dev.ludus.itests;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationListener;

/** Changes a component's configuration inside the framework, as an operator's form does. */
final class Configurations {

    /** A PID no component reads and the configuration guard does not check (not {@code dev.ludus.*}). */
    private static final String MARKER_PID = "ludus.itests.delivered";

    private Configurations() {
    }

    /** Sets {@code values} in the configuration of {@code pid}, keeping its other properties. */
    static void merge(ConfigurationAdmin admin, String pid, Map<String, Object> values) throws Exception {
        delivered(admin);
        org.osgi.service.cm.Configuration c = admin.getConfiguration(pid, "?");
        Dictionary<String, Object> p = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
        values.forEach(p::put);
        c.update(p);
    }

    /** Saves {@code properties} as the configuration of {@code pid}, once {@link #delivered} has returned. */
    static void save(ConfigurationAdmin admin, String pid, Dictionary<String, ?> properties) throws Exception {
        delivered(admin);
        admin.getConfiguration(pid, "?").update(properties);
    }

    /**
     * Returns once every configuration saved before this call has been handed to the components
     * that receive it. Call it before saving a PID again soon after a save: Felix SCR reads a
     * configuration's properties and then its change count separately, so a save that lands
     * between the two reads is taken as delivered with the previous properties, and that
     * component keeps them until the next save. ConfigAdmin hands each event to every listener
     * (SCR among them) on one thread, in order, so once a listener of ours hears of a marker saved
     * now, every earlier event has been handled.
     */
    static void delivered(ConfigurationAdmin admin) throws Exception {
        BundleContext context = FrameworkUtil.getBundle(Configurations.class).getBundleContext();
        CountDownLatch heard = new CountDownLatch(1);
        ConfigurationListener listener = event -> {
            if (MARKER_PID.equals(event.getPid())) {
                heard.countDown();
            }
        };
        ServiceRegistration<ConfigurationListener> registration =
                context.registerService(ConfigurationListener.class, listener, null);
        try {
            admin.getConfiguration(MARKER_PID, "?").update(new Hashtable<>(Map.of("at", System.nanoTime())));
            if (!heard.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("ConfigAdmin did not deliver a configuration event within 30 s");
            }
        } finally {
            registration.unregister();
        }
    }
}
