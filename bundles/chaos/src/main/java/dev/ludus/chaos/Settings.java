package dev.ludus.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;

import dev.ludus.config.support.ConfigReader;

/**
 * Reading the chaos configurations: a fault ({@value Chaos#FAULT_PID}) and a schedule
 * ({@value Chaos#SCHEDULE_PID}). A configuration with any problem is refused whole, with every
 * problem named; an unknown key is a problem (a misspelt {@code errorPrecent} must not arm a fault
 * that injects nothing).
 */
final class Settings {

    /** Not a setting: the configuration's name. */
    private static final Set<String> NAME = Set.of("name");
    private static final Pattern JAVA_NAME = Pattern.compile("[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*"
            + "(\\.[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*)*");
    private static final Pattern GLOB = Pattern.compile("[A-Za-z0-9_.*-]+");

    private Settings() {
    }

    /** A configuration that cannot be used, and why. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /**
     * One fault: which service's calls it reaches and what it does to them. Of every call to one of
     * {@code methods} (all of the interface's when empty): {@code errorPercent} fail at once,
     * {@code timeoutPercent} never reach the service and fail after {@code timeoutMillis}, and of
     * the rest {@code latencyPercent} are answered {@code latencyMillis} (± jitter) late.
     */
    record Fault(String name, String service, String target, List<String> methods, long latencyMillis,
                 long latencyJitterMillis, double latencyPercent, double errorPercent, String errorMessage,
                 double timeoutPercent, long timeoutMillis) {

        static final Set<String> KEYS = Set.of("service", "target", "methods", "latencyMillis", "latencyJitterMillis",
                "latencyPercent", "errorPercent", "errorMessage", "timeoutPercent", "timeoutMillis");

        /** The filter the fault's tracker uses: the interface, the target, and never a proxy of ours. */
        String filter() {
            return "(&(objectClass=" + service + ")" + (target.isEmpty() ? "" : target) + "(!(" + Chaos.PROXY_PROPERTY
                    + "=*)))";
        }

        boolean reaches(String method) {
            return methods.isEmpty() || methods.contains(method);
        }

        String describe() {
            List<String> parts = new ArrayList<>();
            if (latencyMillis > 0 && latencyPercent > 0) {
                parts.add((latencyPercent < 100 ? ConfigReader.fmt(latencyPercent) + "% of calls " : "") + "+" + latencyMillis
                        + (latencyJitterMillis > 0 ? "±" + latencyJitterMillis : "") + " ms");
            }
            if (errorPercent > 0) {
                parts.add(ConfigReader.fmt(errorPercent) + "% errors");
            }
            if (timeoutPercent > 0) {
                parts.add(ConfigReader.fmt(timeoutPercent) + "% time out after " + timeoutMillis + " ms");
            }
            return service + (target.isEmpty() ? "" : " " + target) + (methods.isEmpty() ? "" : " " + methods) + ": "
                    + (parts.isEmpty() ? "nothing injected" : String.join(", ", parts));
        }
    }

    /** Bundle actions on a schedule: every {@code everyMillis} (± jitter) one matching bundle is acted on. */
    record Schedule(String name, List<String> bundles, String action, long everyMillis, double jitterPercent,
                    long downMillis) {

        static final Set<String> KEYS = Set.of("bundles", "action", "everyMillis", "jitterPercent", "downMillis");
        static final List<String> ACTIONS = List.of("restart", "update");

        boolean matches(String symbolicName) {
            for (String glob : bundles) {
                String regex = glob.replace(".", "\\.").replace("*", ".*");
                if (symbolicName != null && symbolicName.matches(regex)) {
                    return true;
                }
            }
            return false;
        }

        String describe() {
            return action + " one of " + bundles + " every " + everyMillis + " ms"
                    + (jitterPercent > 0 ? " (±" + ConfigReader.fmt(jitterPercent) + "%)" : "")
                    + (downMillis > 0 ? ", " + downMillis + " ms down" : "");
        }
    }

    /**
     * A full disk: while armed, a ballast file in {@code path} (the node's data folder when not
     * set) is written until the file system has {@code leaveMegabytes} free, or it is
     * {@code maxMegabytes} long, or the disk refuses more; it stays {@code holdMillis}, then it is
     * deleted; again every {@code everyMillis} (0: once per arming).
     */
    record Disk(String name, String path, long leaveMegabytes, long maxMegabytes, long holdMillis, long everyMillis) {

        static final Set<String> KEYS = Set.of("path", "leaveMegabytes", "maxMegabytes", "holdMillis", "everyMillis");

        String describe() {
            return "fill " + (path.isEmpty() ? "the data folder" : path) + " to " + leaveMegabytes + " MiB free (at most "
                    + maxMegabytes + " MiB written) for " + holdMillis + " ms"
                    + (everyMillis > 0 ? ", every " + everyMillis + " ms" : ", once");
        }
    }

    static Disk disk(String name, Map<String, ?> props) throws Refused {
        ConfigReader r = new ConfigReader(props);
        r.unknownKeys(Disk.KEYS, NAME);
        List<String> problems = r.problems();
        String path = r.text("path", "");
        if (!path.isEmpty()) {
            boolean absolute;
            try {
                absolute = java.nio.file.Path.of(path).isAbsolute();
            } catch (java.nio.file.InvalidPathException e) {
                absolute = false;
            }
            if (!absolute) {
                problems.add("path must be an absolute folder, or not set for the node's data folder, got '"
                        + ConfigReader.clip(path) + "'");
            }
        }
        long every = r.whole("everyMillis", 0, 0, 86_400_000);
        long hold = r.whole("holdMillis", 30_000, 100, 3_600_000);
        Disk d = new Disk(name, path, r.whole("leaveMegabytes", 0, 0, 1_048_576), r.whole("maxMegabytes", 1024, 1, 1_048_576),
                hold, every);
        if (every > 0 && every <= hold) {
            problems.add("everyMillis (" + every + ") must be longer than holdMillis (" + hold + "), or 0 for once");
        }
        if (!problems.isEmpty()) {
            throw new Refused(String.join("; ", problems));
        }
        return d;
    }

    static Fault fault(String name, Map<String, ?> props) throws Refused {
        ConfigReader r = new ConfigReader(props);
        r.unknownKeys(Fault.KEYS, NAME);
        List<String> problems = r.problems();
        String service = r.text("service", "");
        if (service.isEmpty()) {
            problems.add("service is required: the interface whose calls are reached, e.g. dev.ludus.api.event.EventStore");
        } else if (!JAVA_NAME.matcher(service).matches()) {
            problems.add("service must be an interface's fully qualified name, got '" + ConfigReader.clip(service) + "'");
        }
        String target = r.text("target", "");
        if (!target.isEmpty()) {
            try {
                FrameworkUtil.createFilter(target);
            } catch (InvalidSyntaxException e) {
                problems.add("target is not an LDAP filter: " + e.getMessage());
            }
        }
        List<String> methods = new ArrayList<>();
        for (String m : r.text("methods", "").split(",")) {
            String s = m.strip();
            if (s.isEmpty()) {
                continue;
            }
            if (!JAVA_NAME.matcher(s).matches() || s.contains(".")) {
                problems.add("methods must be method names separated by commas, got '" + ConfigReader.clip(s) + "'");
            } else {
                methods.add(s);
            }
        }
        Fault f = new Fault(name, service, target, List.copyOf(methods),
                r.whole("latencyMillis", 0, 0, 600_000),
                r.whole("latencyJitterMillis", 0, 0, 600_000),
                r.decimal("latencyPercent", 100, 0, 100),
                r.decimal("errorPercent", 0, 0, 100),
                r.text("errorMessage", "injected by chaos fault '" + name + "'"),
                r.decimal("timeoutPercent", 0, 0, 100),
                r.whole("timeoutMillis", 30_000, 1, 600_000));
        if (problems.isEmpty() && f.errorPercent() + f.timeoutPercent() > 100) {
            problems.add("errorPercent + timeoutPercent must not exceed 100, got " + ConfigReader.fmt(f.errorPercent() + f.timeoutPercent()));
        }
        if (problems.isEmpty() && f.latencyJitterMillis() > f.latencyMillis()) {
            problems.add("latencyJitterMillis (" + f.latencyJitterMillis() + ") must not exceed latencyMillis ("
                    + f.latencyMillis() + ")");
        }
        if (problems.isEmpty() && f.errorPercent() == 0 && f.timeoutPercent() == 0
                && (f.latencyMillis() == 0 || f.latencyPercent() == 0)) {
            problems.add("the fault injects nothing: set latencyMillis, errorPercent or timeoutPercent");
        }
        if (!problems.isEmpty()) {
            throw new Refused(String.join("; ", problems));
        }
        return f;
    }

    static Schedule schedule(String name, Map<String, ?> props) throws Refused {
        ConfigReader r = new ConfigReader(props);
        r.unknownKeys(Schedule.KEYS, NAME);
        List<String> problems = r.problems();
        List<String> bundles = new ArrayList<>();
        for (String b : r.text("bundles", "").split(",")) {
            String s = b.strip();
            if (s.isEmpty()) {
                continue;
            }
            if (!GLOB.matcher(s).matches() || s.equals("*")) {
                problems.add("bundles must be symbolic names or patterns with * (not * alone), separated by commas, got '"
                        + ConfigReader.clip(s) + "'");
            } else {
                bundles.add(s);
            }
        }
        if (bundles.isEmpty() && problems.isEmpty()) {
            problems.add("bundles is required: symbolic names or patterns, e.g. dev.ludus.cache.caffeine, dev.ludus.bus.*");
        }
        String action = r.text("action", "restart");
        if (!Schedule.ACTIONS.contains(action)) {
            problems.add("action must be one of " + Schedule.ACTIONS + ", got '" + ConfigReader.clip(action) + "'");
        }
        Schedule s = new Schedule(name, List.copyOf(bundles), action,
                r.whole("everyMillis", 10_000, 500, 86_400_000),
                r.decimal("jitterPercent", 20, 0, 90),
                r.whole("downMillis", 0, 0, 600_000));
        if (!problems.isEmpty()) {
            throw new Refused(String.join("; ", problems));
        }
        return s;
    }
}
