package dev.ludus.health;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

import dev.ludus.api.health.HealthCheck;
import dev.ludus.api.health.HealthResult;

/**
 * Reports the OSGi framework: UP when every bundle is active (fragments resolved), DEGRADED
 * naming the bundles that are not, for example a dropped-in bundle that cannot resolve.
 */
@Component
public class FrameworkHealthCheck implements HealthCheck {

    private final BundleContext context;

    @Activate
    public FrameworkHealthCheck(BundleContext context) {
        this.context = context;
    }

    @Override
    public String name() {
        return "framework";
    }

    @Override
    public HealthResult check() {
        Bundle[] bundles = context.getBundles();
        List<String> notActive = new ArrayList<>();
        int active = 0;
        for (Bundle b : bundles) {
            boolean fragment = b.getHeaders("").get(Constants.FRAGMENT_HOST) != null;
            int state = b.getState();
            if (state == Bundle.ACTIVE || (fragment && state == Bundle.RESOLVED)) {
                active++;
            } else if (state != Bundle.UNINSTALLED) {
                notActive.add(b.getSymbolicName() + " (" + stateName(state) + ")");
            }
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("bundles", bundles.length);
        details.put("active", active);
        if (notActive.isEmpty()) {
            return HealthResult.up(details);
        }
        details.put("notActive", String.join(", ", notActive));
        return HealthResult.degraded(notActive.size() + " bundle(s) not active", details);
    }

    static String stateName(int state) {
        return switch (state) {
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.ACTIVE -> "ACTIVE";
            default -> "UNINSTALLED";
        };
    }
}
