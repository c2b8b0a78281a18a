package dev.ludus.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

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

    /**
     * Reads feature files as the Feature specification allows: JSON with {@code //} and
     * {@code /* *}{@code /} comments. A member named twice or text after the value is an error
     * rather than a silent choice, so a feature file means one thing only.
     */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static Feature read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            return parse(text, file);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses one feature.
     *
     * @throws IllegalArgumentException naming what is wrong, and for malformed JSON where (line
     *                                  and column)
     */
    static Feature parse(String text, Path file) {
        JsonNode json = tree(text);
        if (!json.isObject()) {
            throw new IllegalArgumentException("a feature must be a JSON object");
        }
        JsonNode resourceVersion = member(json, "feature-resource-version");
        if (resourceVersion != null && !"1.0".equals(resourceVersion.textValue())) {
            throw new IllegalArgumentException("unsupported feature-resource-version " + show(resourceVersion));
        }
        String id = requireString(json, "id");
        ArtifactId.parse(id); // a feature id is Maven coordinates too
        JsonNode nameNode = member(json, "name");
        String name = nameNode != null && nameNode.isTextual() ? nameNode.textValue() : id;
        if (json.has("configurations")) {
            throw new IllegalArgumentException("\"configurations\" are not applied by the Ludus launcher;"
                    + " put them in conf/<pid>.cfg instead");
        }
        List<Bundle> bundles = new ArrayList<>();
        JsonNode list = member(json, "bundles");
        if (list != null && !list.isArray()) {
            throw new IllegalArgumentException("\"bundles\" must be an array");
        }
        Iterable<JsonNode> entries = list == null ? List.of() : list;
        for (JsonNode entry : entries) {
            String bundleId;
            int startOrder = DEFAULT_START_ORDER;
            boolean start = true;
            if (entry.isTextual()) {
                bundleId = entry.textValue();
            } else if (entry.isObject()) {
                bundleId = requireString(entry, "id");
                JsonNode order = member(entry, "start-order");
                if (order != null) {
                    if (!order.isIntegralNumber() || !order.canConvertToInt()
                            || order.intValue() < 1 || order.intValue() > 1000) {
                        throw new IllegalArgumentException("bundle " + bundleId
                                + ": \"start-order\" must be a whole number from 1 to 1000");
                    }
                    startOrder = order.intValue();
                }
                JsonNode startNode = member(entry, "start");
                if (startNode != null && startNode.isBoolean()) {
                    start = startNode.booleanValue();
                }
            } else {
                throw new IllegalArgumentException("a bundle entry must be a string or an object");
            }
            bundles.add(new Bundle(ArtifactId.parse(bundleId), startOrder, start, id));
        }
        Map<String, String> props = new LinkedHashMap<>();
        JsonNode fp = member(json, "framework-properties");
        if (fp != null && !fp.isObject()) {
            throw new IllegalArgumentException("\"framework-properties\" must be an object");
        }
        if (fp != null) {
            fp.fields().forEachRemaining(e -> props.put(e.getKey(), show(e.getValue())));
        }
        return new Feature(id, name, file, List.copyOf(bundles), Map.copyOf(props));
    }

    /** The JSON tree; malformed JSON is an error saying what and where, without Jackson's source dump. */
    private static JsonNode tree(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new IllegalArgumentException(e.getOriginalMessage()
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()));
        }
    }

    /** A member's value; an explicit {@code null} counts as absent. */
    private static JsonNode member(JsonNode object, String key) {
        JsonNode v = object.get(key);
        return v == null || v.isNull() ? null : v;
    }

    /** A scalar as its text (strings unquoted), anything else as JSON. */
    private static String show(JsonNode value) {
        return value.isValueNode() ? value.asText() : value.toString();
    }

    private static String requireString(JsonNode json, String key) {
        JsonNode v = json.get(key);
        if (v != null && v.isTextual() && !v.textValue().isBlank()) {
            return v.textValue();
        }
        throw new IllegalArgumentException("missing string member \"" + key + "\"");
    }
}
