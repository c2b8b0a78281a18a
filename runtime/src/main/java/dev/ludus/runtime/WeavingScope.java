package dev.ludus.runtime;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.hooks.bundle.EventHook;
import org.osgi.framework.hooks.bundle.FindHook;

/**
 * Keeps the service-loader weaver (Aries SPI Fly) from seeing the bundles named in
 * {@code ludus.weaving.skip}, so it does not weave their classes.
 *
 * <p>SPI Fly weaves every class of a bundle that declares itself a service-loader consumer: it
 * reads the class with ASM, recomputes its stack frames (loading the supertypes it compares) and
 * throws the result away unless a {@code ServiceLoader} call was in it. Felix's Jetty bundle
 * declares itself one for two optional services, HTTP/1.x field pre-encoders (Jetty falls back to
 * its own when none is found) and TLS ALPN processors (for HTTP/2 over TLS, which the HTTP feature
 * does not install), and so had each of its 650 classes read and rewritten at every start: more
 * than half of the start's time on the start-level thread.
 *
 * <p>SPI Fly learns which bundles are consumers by tracking bundles from its own bundle context;
 * this registers, from the system bundle, a bundle find hook and event hook that leave the named
 * bundles out of what that context sees. Nothing else is hidden from anyone.
 */
final class WeavingScope implements FindHook, EventHook {

    /** Framework property: bundle symbolic names SPI Fly must not weave, separated by commas. */
    static final String SKIP = "ludus.weaving.skip";
    /** The weaver's bundle, whose view is narrowed. */
    static final String WEAVER = "org.apache.aries.spifly.dynamic.bundle";

    private final Set<String> skipped;

    private WeavingScope(Set<String> skipped) {
        this.skipped = skipped;
    }

    /** The names in a {@link #SKIP} value: split at commas, blanks dropped. */
    static Set<String> parse(String value) {
        if (value == null) {
            return Set.of();
        }
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    /**
     * Registers the hooks when {@code value} names any bundle; call before the weaver starts.
     * Returns the registrations (none when nothing is skipped).
     */
    static Set<ServiceRegistration<?>> register(BundleContext system, String value) {
        Set<String> skipped = parse(value);
        if (skipped.isEmpty()) {
            return Set.of();
        }
        WeavingScope scope = new WeavingScope(skipped);
        return Set.of(system.registerService(FindHook.class, scope, null),
                system.registerService(EventHook.class, scope, null));
    }

    /**
     * A warning when {@code value} names bundles none of {@code installed} is (a typo, or a
     * bundle left out of the features), else null.
     */
    static String unknown(String value, Collection<Bundle> installed) {
        Set<String> names = installed.stream().map(Bundle::getSymbolicName).collect(Collectors.toSet());
        List<String> unknown = parse(value).stream().filter(n -> !names.contains(n)).sorted().toList();
        return unknown.isEmpty() ? null
                : SKIP + " names " + String.join(", ", unknown) + ", which no installed bundle is; check the "
                        + "spelling (bundle symbolic names, comma-separated)";
    }

    private static boolean isWeaver(BundleContext context) {
        try {
            Bundle b = context.getBundle();
            return b != null && WEAVER.equals(b.getSymbolicName());
        } catch (IllegalStateException e) {
            return false; // a context no longer valid sees nothing anyway
        }
    }

    /** Whether the weaver must not see {@code b}; a bundle without a symbolic name (a legacy one) it sees. */
    private boolean skips(Bundle b) {
        String name = b.getSymbolicName();
        return name != null && skipped.contains(name);
    }

    @Override
    public void find(BundleContext context, Collection<Bundle> bundles) {
        if (isWeaver(context)) {
            bundles.removeIf(this::skips);
        }
    }

    @Override
    public void event(BundleEvent event, Collection<BundleContext> contexts) {
        if (skips(event.getBundle())) {
            contexts.removeIf(WeavingScope::isWeaver);
        }
    }
}
