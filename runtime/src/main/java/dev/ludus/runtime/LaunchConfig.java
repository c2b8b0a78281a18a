package dev.ludus.runtime;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.ludus.config.support.NearestName;

/**
 * Where everything is and which properties the framework gets. Layers, lowest first: built-in
 * defaults, the features' {@code framework-properties}, {@code conf/ludus.properties},
 * environment variables ({@code LUDUS_HTTP_PORT}, {@code LUDUS_HTTP_HOST}, {@code LUDUS_DATA},
 * {@code LUDUS_FEATURES}), and {@code -D} system properties with a known prefix. Values may refer
 * to other properties as {@code ${name}}.
 */
final class LaunchConfig {

    static final String FEATURES = "ludus.features";
    static final String HOME = "ludus.home";
    static final String DATA = "ludus.data";
    static final String HTTP_PORT = "org.osgi.service.http.port";
    static final String HTTP_HOST = "org.apache.felix.http.host";
    static final String READY_TIMEOUT = "ludus.ready.timeout.seconds";
    static final String STOP_TIMEOUT = "ludus.stop.timeout.seconds";
    static final String CONFIG_SAVE = "felix.fileinstall.enableConfigSave";
    static final String HTTP_THREADS = "org.apache.felix.http.jetty.threadpool.max";
    /** The bundles SPI Fly does not weave unless {@code ludus.weaving.skip} says otherwise. */
    static final String DEFAULT_WEAVING_SKIP = "org.apache.felix.http.jetty12, slf4j.api, ch.qos.logback.classic";

    private static final List<String> OVERRIDABLE_PREFIXES =
            List.of("ludus.", "felix.", "org.osgi.", "org.apache.felix.", "obr.", "ds.");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([^}]+)}");

    /** Launcher settings read elsewhere than {@link #defaults()}: by {@code bin/ludus} and the launcher. */
    private static final Set<String> OTHER_KNOWN = Set.of(HOME, "ludus.cds", HeapTarget.PROPERTY, "ludus.log.format",
            "felix.webconsole.password");

    private final Path home;
    private final Map<String, String> settings; // everything but the feature layer, unresolved
    /** The keys conf/ludus.properties sets, and the ludus.* system properties, as given. */
    private final Set<String> given = new java.util.TreeSet<>();

    private LaunchConfig(Path home, Map<String, String> settings) {
        this.home = home;
        this.settings = settings;
    }

    /**
     * Reads {@code conf/ludus.properties} under {@code home} and applies the environment and system
     * properties.
     *
     * @throws IllegalArgumentException if a setting has a bad value; the message names it
     */
    static LaunchConfig load(Path home, Map<String, String> env, Properties system) throws IOException {
        Map<String, String> s = new LinkedHashMap<>(defaults());
        Set<String> fileKeys = new java.util.TreeSet<>();
        Path file = home.resolve("conf").resolve("ludus.properties");
        if (Files.isRegularFile(file)) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            }
            p.stringPropertyNames().forEach(k -> s.put(k, p.getProperty(k).trim()));
            fileKeys.addAll(p.stringPropertyNames());
        }
        String port = env.get("LUDUS_HTTP_PORT");
        if (port != null && !port.isBlank()) {
            s.put(HTTP_PORT, port.trim());
        }
        String host = env.get("LUDUS_HTTP_HOST");
        if (host != null && !host.isBlank()) {
            s.put(HTTP_HOST, host.trim());
        }
        String data = env.get("LUDUS_DATA");
        if (data != null && !data.isBlank()) {
            s.put(DATA, Path.of(data.trim()).toAbsolutePath().normalize().toString());
        }
        String features = env.get("LUDUS_FEATURES");
        if (features != null && !features.isBlank()) {
            s.put(FEATURES, features.trim());
        }
        for (String key : system.stringPropertyNames()) {
            if (!key.equals(HOME) && OVERRIDABLE_PREFIXES.stream().anyMatch(key::startsWith)) {
                s.put(key, system.getProperty(key));
            }
        }
        s.put(HOME, home.toAbsolutePath().normalize().toString());
        LaunchConfig config = new LaunchConfig(home.toAbsolutePath().normalize(), s);
        config.given.addAll(fileKeys);
        system.stringPropertyNames().stream().filter(k -> k.startsWith("ludus.")).forEach(config.given::add);
        config.validate();
        return config;
    }

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(FEATURES, String.join(", ", FeaturePlan.DEFAULT_FEATURES));
        d.put(DATA, "${ludus.home}/data");
        d.put(HTTP_PORT, "8080");
        d.put(HTTP_HOST, "127.0.0.1");
        d.put(READY_TIMEOUT, "60");
        d.put(STOP_TIMEOUT, "9");
        d.put("org.osgi.framework.storage", "${ludus.data}/cache");
        d.put("org.osgi.framework.storage.clean", "onFirstInit");
        d.put("org.osgi.framework.startlevel.beginning", "100");
        // Bundles dropped into deploy/ start after the core and stop before it.
        d.put("felix.startlevel.bundle", "80");
        d.put("felix.log.level", "1");
        d.put("felix.cm.dir", "${ludus.data}/config");
        d.put("felix.fileinstall.dir", "${ludus.home}/deploy,${ludus.home}/conf");
        d.put("felix.fileinstall.filter", ".*\\.(jar|cfg|config)");
        d.put("felix.fileinstall.poll", "1000");
        d.put("felix.fileinstall.noInitialDelay", "true");
        d.put("felix.fileinstall.log.level", "3");
        d.put("felix.fileinstall.start.level", "80");
        // conf/*.cfg are the operator's files: FileInstall only reads them. Its write-back
        // truncates a file in place and rewrites it each time a configuration it created is
        // updated (including by FileInstall itself); a poll that lands in between reads an empty
        // file, stores an empty configuration, and the next write-back makes the file empty for good.
        d.put(CONFIG_SAVE, "false");
        d.put("org.apache.felix.jetty.websocket.enable", "true");
        d.put("org.apache.felix.http.enable", "true");
        // Connections the kernel may hold for Jetty to accept. Java's default of 50 drops the SYNs of
        // a burst (every player reconnecting after a restart), and each dropped one waits a second
        // for its retry. The kernel caps it at net.core.somaxconn.
        d.put("org.apache.felix.http.jetty.acceptQueueSize", "1024");
        // Jetty's pool grows by a thread whenever work waits and none is idle, up to 200 by its own
        // default, and lets one go a minute: a burst of handshakes took all 200 for minutes
        // (23 MiB of stacks) where two cores run a handful at a time.
        d.put(HTTP_THREADS, Integer.toString(httpThreads(Runtime.getRuntime().availableProcessors())));
        d.put("felix.webconsole.username", "admin");
        d.put("felix.webconsole.manager.root", "/system/console");
        // Felix's Jetty bundle asks the service-loader weaver only for HTTP/1.x field pre-encoders
        // (Jetty has its own when none is found) and TLS ALPN (HTTP/2 over TLS, not installed);
        // weaving it cost more than half of the start (WeavingScope). SLF4J finds Logback through
        // a fragment's service-loader file (ludus-slf4j-logback) instead, so neither needs the
        // weaver, whose reading of their classes was a fifth of what was left on the start-level thread.
        d.put(WeavingScope.SKIP, DEFAULT_WEAVING_SKIP);
        return d;
    }

    private void validate() {
        int port = intSetting(HTTP_PORT, 1, 65535, "LUDUS_HTTP_PORT / " + HTTP_PORT);
        assert port > 0;
        intSetting(READY_TIMEOUT, 1, 3600, READY_TIMEOUT);
        intSetting(STOP_TIMEOUT, 1, 3600, STOP_TIMEOUT);
        if (!"-1".equals(get(HTTP_THREADS))) { // -1: Jetty's own default (200)
            intSetting(HTTP_THREADS, MIN_HTTP_THREADS, 100_000, HTTP_THREADS + " (or -1 for Jetty's default)");
        }
        if (featureNames().isEmpty()) {
            throw new IllegalArgumentException(FEATURES + " names no feature");
        }
        String host = get(HTTP_HOST);
        if (host.isBlank() || host.contains("/") || host.contains(" ")) {
            throw new IllegalArgumentException("LUDUS_HTTP_HOST / " + HTTP_HOST + " must be a host name or address, got '" + host + "'");
        }
    }

    /** The fewest HTTP threads allowed: Jetty leases some to its acceptors, selectors and reserved threads. */
    static final int MIN_HTTP_THREADS = 16;

    /**
     * The default most HTTP threads for a machine's processors: 16 a processor, at least 32, at
     * most Jetty's own default of 200.
     */
    static int httpThreads(int processors) {
        return Math.min(200, Math.max(32, 16 * Math.max(1, processors)));
    }

    private int intSetting(String key, int min, int max, String label) {
        String v = get(key);
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(label + " must be a whole number from " + min + " to " + max
                + ", got '" + v + "'");
    }

    /**
     * The warning to log when FileInstall's write-back has been turned on again (stable code
     * {@code conf_write_back}), or null when it is off.
     */
    String confWriteBackWarning() {
        String v = get(CONFIG_SAVE);
        if (v == null || !Boolean.parseBoolean(v.trim())) {
            return null;
        }
        return CONFIG_SAVE + " = " + v.trim() + " (conf_write_back): FileInstall rewrites a conf/*.cfg file in place after"
                + " each update of its configuration, and a poll that reads it meanwhile can leave it empty and its"
                + " settings lost; remove the setting to keep conf/ read-only";
    }

    Path home() {
        return home;
    }

    Path data() {
        return Path.of(get(DATA)).toAbsolutePath().normalize();
    }

    Path systemRepository() {
        return home.resolve("system");
    }

    Path featuresDir() {
        return home.resolve("features");
    }

    Path deployDir() {
        return home.resolve("deploy");
    }

    int httpPort() {
        return Integer.parseInt(get(HTTP_PORT));
    }

    String httpHost() {
        return get(HTTP_HOST);
    }

    int readyTimeoutSeconds() {
        return Integer.parseInt(get(READY_TIMEOUT));
    }

    int stopTimeoutSeconds() {
        return Integer.parseInt(get(STOP_TIMEOUT));
    }

    List<String> featureNames() {
        List<String> names = new ArrayList<>();
        Arrays.stream(get(FEATURES).split(",")).map(String::trim).filter(n -> !n.isEmpty()).forEach(names::add);
        return names;
    }

    /** A setting with variables resolved (features' properties not included). */
    String get(String key) {
        String v = settings.get(key);
        return v == null ? null : resolve(v, settings);
    }

    /** Overrides a setting, for example with values the launcher computed. */
    void set(String key, String value) {
        settings.put(key, value);
    }

    /**
     * Settings given in {@code conf/ludus.properties} (or as {@code -Dludus.*}) that nothing reads,
     * by their names: any {@code ludus.*} name Ludus does not know, and any other name within two
     * edits of a known one (other framework properties are many, and bundles may read their own).
     * One line naming each with the nearest known name, or null when there is none. Nothing is
     * refused: the node starts as if the line were not there, which is what the line says.
     *
     * @param featureKeys the framework properties the features set, known too
     */
    String misspeltSettings(Set<String> featureKeys) {
        Set<String> known = new java.util.HashSet<>(defaults().keySet());
        known.addAll(OTHER_KNOWN);
        known.addAll(featureKeys);
        List<String> named = new ArrayList<>();
        for (String key : given) {
            if (known.contains(key)) {
                continue;
            }
            String near = NearestName.nearest(key, known, 2);
            if (near != null) {
                named.add(key + " (did you mean " + near + "?)");
            } else if (key.startsWith("ludus.")) {
                named.add(key);
            }
        }
        if (named.isEmpty()) {
            return null;
        }
        return "conf/ludus.properties or -D: " + String.join(", ", named) + (named.size() == 1 ? " is not a setting" : " are not settings")
                + " that Ludus reads, ignored (config_unknown_setting)";
    }

    /**
     * The framework properties: defaults, then the features' properties, then configuration,
     * environment and system properties; all variables resolved.
     */
    Map<String, String> frameworkProperties(List<Feature> features) {
        Map<String, String> merged = new LinkedHashMap<>();
        Map<String, String> d = defaults();
        merged.putAll(d);
        for (Feature f : features) {
            merged.putAll(f.frameworkProperties());
        }
        settings.forEach((k, v) -> {
            if (!(d.containsKey(k) && d.get(k).equals(v))) {
                merged.put(k, v);
            }
        });
        Map<String, String> resolved = new LinkedHashMap<>();
        merged.forEach((k, v) -> resolved.put(k, resolve(v, merged)));
        return resolved;
    }

    private static String resolve(String value, Map<String, String> props) {
        String v = value;
        for (int depth = 0; depth < 10 && v.contains("${"); depth++) {
            Matcher m = VARIABLE.matcher(v);
            StringBuilder sb = new StringBuilder();
            boolean changed = false;
            while (m.find()) {
                String name = m.group(1);
                String replacement = props.get(name);
                if (replacement == null) {
                    replacement = m.group();
                } else {
                    changed = true;
                }
                m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
            }
            m.appendTail(sb);
            v = sb.toString();
            if (!changed) {
                break;
            }
        }
        return v;
    }
}
