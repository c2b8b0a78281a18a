package dev.ludus.itests;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;

import org.osgi.service.cm.ConfigurationAdmin;

/** Changes a component's configuration inside the framework, as an operator's form does. */
final class Configurations {

    private Configurations() {
    }

    /** Sets {@code values} in the configuration of {@code pid}, keeping its other properties. */
    static void merge(ConfigurationAdmin admin, String pid, Map<String, Object> values) throws Exception {
        org.osgi.service.cm.Configuration c = admin.getConfiguration(pid, "?");
        Dictionary<String, Object> p = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
        values.forEach(p::put);
        c.update(p);
    }
}
