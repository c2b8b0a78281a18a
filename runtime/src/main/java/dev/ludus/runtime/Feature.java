package dev.ludus.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An OSGi feature (Compendium chapter 159) as the launcher uses it: its bundles and framework
 * properties. Each bundle entry may carry the metadata {@code "start-order"} (the OSGi start
 * level, default {@value #DEFAULT_START_ORDER}) and {@code "start": false} (install only).
 */
record Feature(String id, String name, Path file, List<Bundle> bundles, Map<String, String> frameworkProperties) {

    static final int DEFAULT_START_ORDER = 10;

    /** One bundle of a feature. */
    record Bundle(ArtifactId artifact, int startOrder, boolean start, String feature) {
    }

    static Feature read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            return parse(text, file);
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    static Feature parse(String text, Path file) {
        Object root = JsonReader.parse(text);
        if (!(root instanceof Map)) {
            throw new IllegalArgumentException("a feature must be a JSON object");
        }
        Map<String, Object> json = (Map<String, Object>) root;
        Object resourceVersion = json.get("feature-resource-version");
        if (resourceVersion != null && !"1.0".equals(resourceVersion)) {
            throw new IllegalArgumentException("unsupported feature-resource-version " + resourceVersion);
        }
        String id = requireString(json, "id");
        ArtifactId.parse(id); // a feature id is Maven coordinates too
        String name = json.get("name") instanceof String s ? s : id;
        if (json.containsKey("configurations")) {
            throw new IllegalArgumentException("\"configurations\" are not applied by the Ludus launcher;"
                    + " put them in conf/<pid>.cfg instead");
        }
        List<Bundle> bundles = new ArrayList<>();
        Object list = json.getOrDefault("bundles", List.of());
        if (!(list instanceof List)) {
            throw new IllegalArgumentException("\"bundles\" must be an array");
        }
        for (Object entry : (List<Object>) list) {
            String bundleId;
            int startOrder = DEFAULT_START_ORDER;
            boolean start = true;
            if (entry instanceof String s) {
                bundleId = s;
            } else if (entry instanceof Map<?, ?> m) {
                Map<String, Object> b = (Map<String, Object>) m;
                bundleId = requireString(b, "id");
                Object order = b.get("start-order");
                if (order != null) {
                    if (!(order instanceof Long l) || l < 1 || l > 1000) {
                        throw new IllegalArgumentException("bundle " + bundleId
                                + ": \"start-order\" must be a whole number from 1 to 1000");
                    }
                    startOrder = l.intValue();
                }
                if (b.get("start") instanceof Boolean bool) {
                    start = bool;
                }
            } else {
                throw new IllegalArgumentException("a bundle entry must be a string or an object");
            }
            bundles.add(new Bundle(ArtifactId.parse(bundleId), startOrder, start, id));
        }
        Map<String, String> props = new LinkedHashMap<>();
        Object fp = json.getOrDefault("framework-properties", Map.of());
        if (!(fp instanceof Map)) {
            throw new IllegalArgumentException("\"framework-properties\" must be an object");
        }
        ((Map<String, Object>) fp).forEach((k, v) -> props.put(k, String.valueOf(v)));
        return new Feature(id, name, file, List.copyOf(bundles), Map.copyOf(props));
    }

    private static String requireString(Map<String, Object> json, String key) {
        if (json.get(key) instanceof String s && !s.isBlank()) {
            return s;
        }
        throw new IllegalArgumentException("missing string member \"" + key + "\"");
    }
}
