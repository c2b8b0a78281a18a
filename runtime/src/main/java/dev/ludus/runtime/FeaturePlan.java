package dev.ludus.runtime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The bundles a distribution would install for a list of features, in install order. For tools
 * and tests that provision a framework their own way (Pax Exam) but must use exactly the bundles
 * and start levels the launcher would.
 */
public final class FeaturePlan {

    /** The features a distribution starts unless {@code ludus.features} says otherwise. */
    public static final List<String> DEFAULT_FEATURES = List.of("framework", "http", "webconsole", "ludus-core", "games");

    /** One bundle to install: its jar, start level, and whether to start it (never a fragment). */
    public record PlannedBundle(Path jar, int startLevel, boolean start, String artifact) {
    }

    private FeaturePlan() {
    }

    /**
     * Reads {@code home/features/<name>.json} for each name and resolves each bundle to its jar
     * in {@code home/system}.
     *
     * @throws IOException              if a feature file cannot be read
     * @throws IllegalArgumentException if a feature is malformed or names a jar that is missing
     */
    public static List<PlannedBundle> of(Path home, List<String> featureNames) throws IOException {
        List<Feature> features = new ArrayList<>();
        for (String name : featureNames) {
            features.add(Feature.read(home.resolve("features").resolve(name + ".json")));
        }
        List<Feature.Bundle> plan = Provisioner.plan(features);
        List<Provisioner.Problem> missing = Provisioner.missing(plan, home.resolve("system"));
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(missing.toString());
        }
        List<PlannedBundle> out = new ArrayList<>();
        for (Feature.Bundle b : plan) {
            Path jar = b.artifact().repositoryPath(home.resolve("system"));
            out.add(new PlannedBundle(jar, b.startOrder(), b.start() && !isFragment(jar), b.artifact().toString()));
        }
        return out;
    }

    /** Whether the jar is a fragment (it attaches to its host and cannot be started). */
    private static boolean isFragment(Path jar) throws IOException {
        try (JarFile f = new JarFile(jar.toFile())) {
            Manifest m = f.getManifest();
            return m != null && m.getMainAttributes().getValue("Fragment-Host") != null;
        }
    }
}
