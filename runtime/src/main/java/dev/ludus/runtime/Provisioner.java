package dev.ludus.runtime;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * Installs the bundles of a set of features from a Maven-layout repository and checks, before
 * anything starts, that they all resolve. Bundles are installed all at once and then resolved
 * together, so optional imports (the HTTP bundle's WebSocket packages) are wired.
 */
final class Provisioner {

    /** Something that stops the launch; {@code subject} names the bundle or feature. */
    record Problem(String subject, String message) {
        @Override
        public String toString() {
            return subject + ": " + message;
        }
    }

    /** The bundles to install: every bundle of every feature, once, in feature order. */
    static List<Feature.Bundle> plan(List<Feature> features) {
        Map<ArtifactId, Feature.Bundle> byId = new LinkedHashMap<>();
        for (Feature f : features) {
            for (Feature.Bundle b : f.bundles()) {
                byId.merge(b.artifact(), b, (first, again) -> first.startOrder() <= again.startOrder() ? first : again);
            }
        }
        List<Feature.Bundle> plan = new ArrayList<>(byId.values());
        // Stable sort: within a start level, feature order decides the install (and start) order.
        plan.sort((a, b) -> Integer.compare(a.startOrder(), b.startOrder()));
        return plan;
    }

    /**
     * The features each bundle belongs to, as {@code ludus.features} names them (the file's name
     * without {@code .json}), by the location {@link #install} gives the bundle.
     */
    static Map<String, String> featuresByLocation(List<Feature> features, Path repository) {
        Map<String, String> names = new HashMap<>();
        for (Feature f : features) {
            String name = f.file().getFileName().toString().replaceFirst("\\.json$", "");
            for (Feature.Bundle b : f.bundles()) {
                names.merge(b.artifact().repositoryPath(repository).toUri().toString(), name, (a, c) -> a + ", " + c);
            }
        }
        return names;
    }

    /** The files of the plan that do not exist in the repository. */
    static List<Problem> missing(List<Feature.Bundle> plan, Path repository) {
        List<Problem> problems = new ArrayList<>();
        for (Feature.Bundle b : plan) {
            Path jar = b.artifact().repositoryPath(repository);
            if (!Files.isRegularFile(jar)) {
                problems.add(new Problem(b.artifact().toString(),
                        "named by feature " + b.feature() + " but " + jar + " does not exist"));
            }
        }
        return problems;
    }

    /**
     * Installs the plan and marks bundles to start at their start level. Returns the installed
     * bundles in plan order; problems (unreadable or invalid jars) are added to {@code problems}.
     */
    static List<Bundle> install(BundleContext context, List<Feature.Bundle> plan, Path repository,
                                List<Problem> problems) {
        List<Bundle> installed = new ArrayList<>();
        for (Feature.Bundle b : plan) {
            Path jar = b.artifact().repositoryPath(repository);
            try (InputStream in = Files.newInputStream(jar)) {
                Bundle bundle = context.installBundle(jar.toUri().toString(), in);
                bundle.adapt(BundleStartLevel.class).setStartLevel(b.startOrder());
                if (b.start() && !isFragment(bundle)) {
                    bundle.start();
                }
                installed.add(bundle);
            } catch (BundleException | java.io.IOException | RuntimeException e) {
                problems.add(new Problem(b.artifact().toString(), "cannot be installed: " + e.getMessage()));
            }
        }
        return installed;
    }

    /**
     * Resolves the bundles together and explains each one that does not resolve: the mandatory
     * requirements nothing installed can satisfy, or, if every requirement has a candidate, that a
     * dependency failed or a uses-constraint conflicts.
     */
    static List<Problem> resolve(FrameworkWiring wiring, List<Bundle> bundles) {
        wiring.resolveBundles(bundles);
        List<Problem> problems = new ArrayList<>();
        for (Bundle bundle : bundles) {
            if (bundle.getState() != Bundle.INSTALLED) {
                continue;
            }
            BundleRevision revision = bundle.adapt(BundleRevision.class);
            List<String> missing = new ArrayList<>();
            for (BundleRequirement req : revision.getDeclaredRequirements(null)) {
                Map<String, String> directives = req.getDirectives();
                if (Constants.RESOLUTION_OPTIONAL.equals(directives.get(Constants.RESOLUTION_DIRECTIVE))
                        || "dynamic".equals(directives.get(Constants.RESOLUTION_DIRECTIVE))
                        || !Constants.EFFECTIVE_RESOLVE.equals(directives.getOrDefault(Constants.EFFECTIVE_DIRECTIVE,
                        Constants.EFFECTIVE_RESOLVE))) {
                    continue;
                }
                Collection<BundleCapability> providers = wiring.findProviders(req);
                if (providers.isEmpty()) {
                    missing.add(describe(req));
                }
            }
            String who = bundle.getSymbolicName() + " " + bundle.getVersion();
            if (!missing.isEmpty()) {
                problems.add(new Problem(who, "missing requirement " + String.join("; ", missing)));
            } else {
                problems.add(new Problem(who, "does not resolve although every requirement has a candidate:"
                        + " a bundle it needs did not resolve, or a uses-constraint conflicts"));
            }
        }
        return problems;
    }

    static String describe(BundleRequirement req) {
        String filter = req.getDirectives().getOrDefault(Constants.FILTER_DIRECTIVE, "");
        return "[" + req.getNamespace() + "] " + filter;
    }

    static boolean isFragment(Bundle bundle) {
        return bundle.getHeaders("").get(Constants.FRAGMENT_HOST) != null;
    }
}
