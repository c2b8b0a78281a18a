package dev.ludus.runtime;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.IntPredicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.wiring.FrameworkWiring;

import sun.misc.Signal;

/**
 * Starts Ludus: embeds Felix, installs the configured features from {@code system/}, checks that
 * every bundle resolves, starts them by start level, and hands {@code deploy/} and
 * {@code conf/*.cfg} to FileInstall. SIGTERM and SIGINT stop the framework in reverse start order
 * and exit 0.
 *
 * <p>Usage: {@code java -Dludus.home=DIR -cp lib/* dev.ludus.runtime.Launcher [--check]}.
 * {@code --check} installs and resolves the feature set in a scratch framework, reports, and exits
 * without starting anything.
 *
 * <p>Exit codes: 0 stopped cleanly or check passed; 1 bad configuration or missing file; 2 a
 * bundle does not resolve; 3 HTTP never answered (the JVM's {@code -XX:+ExitOnOutOfMemoryError}
 * also exits 3); 4 the framework did not stop in time; 5 another node runs on the data directory;
 * 6 the HTTP address cannot be listened on (the port is taken, or the host is not this machine's).
 */
public final class Launcher {

    static final int EXIT_OK = 0;
    static final int EXIT_CONFIG = 1;
    static final int EXIT_UNRESOLVED = 2;
    static final int EXIT_NOT_READY = 3;
    static final int EXIT_STOP_TIMEOUT = 4;
    static final int EXIT_DATA_IN_USE = 5;
    static final int EXIT_PORT_IN_USE = 6;

    private static final String HEALTH_BUNDLE = "dev.ludus.health";

    private final AtomicBoolean stopRequested = new AtomicBoolean();

    /** Start-up milestones in order, as milliseconds since the JVM started: where boot time goes. */
    private final Map<String, Long> milestones = new LinkedHashMap<>();

    private Launcher() {
    }

    private void milestone(String name) {
        milestones.put(name, System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime());
    }

    /** The milestones as the time each phase took: "jvm 310, configure 40, ..." (ms). */
    private String phases() {
        StringBuilder b = new StringBuilder();
        long before = 0;
        for (Map.Entry<String, Long> m : milestones.entrySet()) {
            b.append(b.length() == 0 ? "" : ", ").append(m.getKey()).append(' ').append(m.getValue() - before);
            before = m.getValue();
        }
        return b.toString();
    }

    public static void main(String[] args) {
        boolean check = false;
        for (String a : args) {
            if (a.equals("--check")) {
                check = true;
            } else if (a.equals("--help") || a.equals("-h")) {
                System.out.println("usage: ludus [--check]\n  --check  install and resolve the configured"
                        + " features without starting them, then exit (0 = all resolve)");
                System.exit(EXIT_OK);
            } else {
                System.err.println("ludus: unknown argument '" + a + "' (try --help)");
                System.exit(EXIT_CONFIG);
            }
        }
        try {
            Log.useFormat(System.getenv("LUDUS_LOG_FORMAT"), System.getProperty(Log.FORMAT_PROPERTY));
        } catch (IllegalArgumentException e) {
            Log.error(e.getMessage());
            System.exit(EXIT_CONFIG);
        }
        int code;
        try {
            code = new Launcher().run(check);
        } catch (IllegalArgumentException | IOException e) {
            Log.error(e.getMessage());
            code = EXIT_CONFIG;
        } catch (BundleException e) {
            Log.error("framework failed: " + e.getMessage());
            code = EXIT_CONFIG;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            code = EXIT_CONFIG;
        }
        System.exit(code);
    }

    private int run(boolean check) throws IOException, BundleException, InterruptedException {
        milestone("jvm");
        Path home = Path.of(System.getProperty(LaunchConfig.HOME, ".")).toAbsolutePath().normalize();
        Map<String, String> env = System.getenv();
        LaunchConfig config = LaunchConfig.load(home, env, System.getProperties());

        List<Feature> features = loadFeatures(config);
        List<Feature.Bundle> plan = Provisioner.plan(features);
        List<Provisioner.Problem> problems = new ArrayList<>(Provisioner.missing(plan, config.systemRepository()));
        if (!problems.isEmpty()) {
            problems.forEach(p -> Log.error(p.toString()));
            return EXIT_CONFIG;
        }

        String heapTarget = System.getProperty(HeapTarget.PROPERTY);
        String heapTargetProblem = HeapTarget.problem(heapTarget);
        if (heapTargetProblem != null) {
            Log.error(heapTargetProblem);
            return EXIT_CONFIG;
        }
        String writeBack = config.confWriteBackWarning();
        if (writeBack != null) {
            Log.warn(writeBack);
        }
        Set<String> featureKeys = new HashSet<>();
        features.forEach(f -> featureKeys.addAll(f.frameworkProperties().keySet()));
        String misspelt = config.misspeltSettings(featureKeys);
        if (misspelt != null) {
            Log.warn(misspelt);
        }
        Path scratch = null;
        String consoleAuthorization = null;
        Log.info("Ludus starting: Java " + Runtime.version() + ", max heap " + maxHeapMiB() + " MiB, open files limit "
                + openFilesLimit() + (check ? "" : ", data " + config.data()) + ", garbage collector " + collector()
                + ", " + compilers() + classDataSharing() + ", " + httpThreads(config));
        String heapTooLarge = heapAboveMemory(Runtime.getRuntime().maxMemory(), totalMemory());
        if (heapTooLarge != null) {
            Log.warn(heapTooLarge);
        }
        if (check) {
            scratch = Files.createTempDirectory("ludus-check");
            config.set(LaunchConfig.DATA, scratch.toString());
        } else {
            String narrowed = DataDirectory.secure(config.data());
            if (narrowed != null) {
                Log.warn(narrowed);
            }
            String taken = DataDirectory.claim(config.data());
            if (taken != null) {
                Log.error(taken);
                return EXIT_DATA_IN_USE;
            }
            String portTaken = portInUse(config.httpHost(), config.httpPort());
            if (portTaken != null) {
                Log.error(portTaken);
                return EXIT_PORT_IN_USE;
            }
            Files.createDirectories(config.deployDir());
            ConsolePassword.Resolved password = ConsolePassword.resolve(env, config.data());
            String unfit = ConsolePassword.unfitFor(config.httpHost(), password);
            if (unfit != null) {
                Log.error(unfit);
                return EXIT_CONFIG;
            }
            String weak = ConsolePassword.weakOnLoopback(config.httpHost(), password);
            if (weak != null) {
                Log.warn(weak);
            }
            config.set("felix.webconsole.password", password.hashed());
            // Only to ask /health/ready why the node is not ready, should it take too long.
            consoleAuthorization = "Basic " + Base64.getEncoder().encodeToString((config.get("felix.webconsole.username")
                    + ":" + password.password()).getBytes(StandardCharsets.UTF_8));
            Log.info("Web Console user admin, password " + password.source());
        }
        Map<String, String> props = config.frameworkProperties(features);
        useLogbackConfiguration(config.home());

        milestone("configure");
        if (!check) {
            BackgroundWork.sweepCache(props);
        }
        Framework framework = newFramework(props);
        framework.init();
        WeavingScope.register(framework.getBundleContext(), props.get(WeavingScope.SKIP));
        milestone("framework");
        framework.getBundleContext().addFrameworkListener(event -> {
            if (event.getType() == FrameworkEvent.ERROR) {
                Bundle b = event.getBundle();
                Throwable t = event.getThrowable();
                Log.error((b == null ? "framework" : b.getSymbolicName()) + ": "
                        + (t == null ? "error" : rootMessage(t)));
            }
        });
        try {
            List<Bundle> installed = Provisioner.install(framework.getBundleContext(), plan,
                    config.systemRepository(), problems);
            milestone("install");
            String unknown = WeavingScope.unknown(props.get(WeavingScope.SKIP), installed);
            if (unknown != null) {
                Log.warn(unknown);
            }
            if (problems.isEmpty()) {
                problems.addAll(Provisioner.resolve(framework.adapt(FrameworkWiring.class), installed));
            }
            milestone("resolve");
            if (!problems.isEmpty()) {
                for (Provisioner.Problem p : problems) {
                    Log.error("bundle " + p);
                }
                Log.error(problems.size() + " bundle(s) cannot be used; " + (check ? "check failed" : "not starting"));
                return EXIT_UNRESOLVED;
            }
            if (check) {
                Log.info("check passed: " + installed.size() + " bundles from " + features.size()
                        + " features resolve (" + features.stream().map(Feature::id).collect(Collectors.joining(", ")) + ")");
                return EXIT_OK;
            }
            return serve(framework, config, installed, Provisioner.featuresByLocation(features, config.systemRepository()),
                    consoleAuthorization);
        } finally {
            if (framework.getState() != Bundle.UNINSTALLED && framework.getState() != Bundle.RESOLVED) {
                framework.stop();
                framework.waitForStop(TimeUnit.SECONDS.toMillis(config.stopTimeoutSeconds()));
            }
            if (scratch != null) {
                deleteTree(scratch);
            }
        }
    }

    /** What the log says when a bundle of the feature set is uninstalled while the node runs. */
    static String uninstalledWarning(String symbolicName, org.osgi.framework.Version version, String feature) {
        return "bundle " + symbolicName + " " + version + " (feature " + feature + ") was uninstalled while the node"
                + " runs; what it provided is gone until it is installed again, and the next start installs it again"
                + " with its feature (to run without it, leave the feature out of ludus.features or LUDUS_FEATURES)";
    }

    private int serve(Framework framework, LaunchConfig config, List<Bundle> installed,
                      Map<String, String> featureOf, String consoleAuthorization)
            throws BundleException, InterruptedException {
        installSignalHandlers(framework);
        BundleStartTimes startTimes = new BundleStartTimes();
        framework.getBundleContext().addBundleListener(startTimes);
        // A feature's bundle uninstalled while the node runs (the Web Console's trash can) is back at
        // the next start, which installs the features again: say so, and how to leave it out for good.
        framework.getBundleContext().addBundleListener(event -> {
            if (event.getType() == org.osgi.framework.BundleEvent.UNINSTALLED) {
                String feature = featureOf.get(event.getBundle().getLocation());
                if (feature != null && framework.getState() == Bundle.ACTIVE) {
                    Log.warn(uninstalledWarning(event.getBundle().getSymbolicName(), event.getBundle().getVersion(), feature));
                }
            }
        });
        // A stop asked from inside (the console's "Drain and stop", a bundle stopping bundle 0) gets
        // the same log line and the same watchdog as a signal.
        framework.getBundleContext().addBundleListener((org.osgi.framework.SynchronousBundleListener) event -> {
            if (event.getBundle().getBundleId() == 0 && event.getType() == org.osgi.framework.BundleEvent.STOPPING) {
                watchStop(framework, "a stop from inside the node (the console, or a bundle)");
            }
        });
        framework.start();
        milestone("start");

        String shownHost = config.httpHost().equals("0.0.0.0") || config.httpHost().equals("::")
                ? "127.0.0.1" : config.httpHost();
        if (shownHost.contains(":") && !shownHost.startsWith("[")) {
            shownHost = "[" + shownHost + "]";
        }
        String base = "http://" + shownHost + ":" + config.httpPort();
        // Ready means what load balancers are told: /health/ready answers 200. Without the health
        // bundle there is no such answer; then HTTP answering at all is the best there is.
        boolean health = installed.stream().anyMatch(b -> HEALTH_BUNDLE.equals(b.getSymbolicName()));
        URI probe = URI.create(base + (health ? "/health/ready" : "/"));
        IntPredicate ready = health ? code -> code == 200 : code -> true;
        BooleanSupplier abort = () -> stopRequested.get()
                || (framework.getState() & (Bundle.STARTING | Bundle.ACTIVE)) == 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(config.readyTimeoutSeconds());
        ReadyProbe.Answer answer = ReadyProbe.await(probe, ready, deadline, abort);
        if (abort.getAsBoolean()) {
            return awaitStop(framework, config);
        }
        if (answer.status() < 0) {
            Log.error("HTTP did not answer at " + probe + " within " + config.readyTimeoutSeconds()
                    + " s; is the port " + config.httpPort() + " free? Stopping.");
            return EXIT_NOT_READY;
        }
        if (!ready.test(answer.status())) {
            // HTTP works but something holds readiness up: say what, once, and keep waiting.
            String why = ReadyProbe.get(probe, consoleAuthorization).body();
            Log.warn("not ready after " + config.readyTimeoutSeconds() + " s: " + probe + " answers " + answer.status()
                    + " " + why + "; still waiting");
            answer = ReadyProbe.await(probe, ready, Long.MAX_VALUE, abort);
            if (abort.getAsBoolean()) {
                return awaitStop(framework, config);
            }
        }
        List<String> notActive = installed.stream()
                .filter(b -> b.getState() != Bundle.ACTIVE && !Provisioner.isFragment(b))
                .map(Bundle::getSymbolicName).toList();
        if (!notActive.isEmpty()) {
            Log.warn("bundles not active: " + String.join(", ", notActive));
        }
        milestone("ready");
        vouchForClassDataSharing(config.data());
        String heapTargetSaid = HeapTarget.start(System.getProperty(HeapTarget.PROPERTY));
        if (heapTargetSaid != null) {
            Log.info(heapTargetSaid);
        }
        Log.info("Ludus ready at " + base + "/ in " + milestones.get("ready") + " ms ("
                + installed.size() + " bundles, " + probe.getPath() + " " + answer.status() + ", console "
                + base + "/system/console; ms by phase: " + phases() + "; slowest bundles to start: "
                + startTimes.slowest(5) + ")");
        framework.getBundleContext().removeBundleListener(startTimes);
        return awaitStop(framework, config);
    }

    /**
     * What {@code bin/ludus} chose for class data sharing ({@code -Dludus.cds}): the launcher's
     * classes read from an archive, an archive to be written at a clean stop, or none.
     */
    static String classDataSharing() {
        return switch (System.getProperty("ludus.cds", "")) {
            case "archive" -> ", class data sharing from an archive";
            case "writing" -> ", class data sharing archive written at a clean stop";
            case "none" -> ", class data sharing without an archive";
            case "off" -> ", class data sharing off";
            default -> "";
        };
    }

    /**
     * Null when the HTTP address can be listened on now, else why not. Checked before anything
     * starts: Jetty that cannot bind only logs it, and the node's readiness probe would then take the
     * answers of whatever holds the port (another node) for its own and call itself ready.
     */
    static String portInUse(String host, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true); // as Jetty binds: a port left in TIME_WAIT by a stopped node is free
            s.bind(new InetSocketAddress(host, port));
            return null;
        } catch (java.net.BindException e) {
            if (String.valueOf(e.getMessage()).contains("in use")) {
                return "cannot listen on " + host + ":" + port + " (" + e.getMessage() + "): another process holds"
                        + " the port (another Ludus node?); stop it, or choose another port (LUDUS_HTTP_PORT)";
            }
            return cannotListen(host, port, e);
        } catch (IOException | RuntimeException e) {
            return cannotListen(host, port, e);
        }
    }

    /** The start line's words for Jetty's pool: its most threads, or Jetty's own default. */
    static String httpThreads(LaunchConfig config) {
        String v = config.get(LaunchConfig.HTTP_THREADS);
        return "-1".equals(v) ? "HTTP threads Jetty's default (200)" : "HTTP threads at most " + v;
    }

    private static String cannotListen(String host, int port, Exception e) {
        return "cannot listen on " + host + ":" + port + " (" + e.getMessage() + "): LUDUS_HTTP_HOST must be an"
                + " address of this machine (127.0.0.1, or 0.0.0.0 for all), and a port below 1024 needs privileges"
                + " (LUDUS_HTTP_PORT)";
    }

    /**
     * In a run that writes a class data sharing archive at its stop, says that it came this far.
     * The JVM writes the archive at any exit, so a start refused early (a bad setting, another node
     * on the data directory) would leave an archive of the few classes it loaded; bin/ludus would
     * keep it, and every later start would load the rest without one. bin/ludus keeps only an
     * archive whose writer left {@code cds/ready-<pid>}.
     */
    private static void vouchForClassDataSharing(Path data) {
        if (!"writing".equals(System.getProperty("ludus.cds"))) {
            return;
        }
        try {
            Files.writeString(data.resolve("cds").resolve("ready-" + ProcessHandle.current().pid()), "");
        } catch (IOException | RuntimeException e) {
            Log.warn("cannot mark this run's class data sharing archive as complete (" + e.getMessage()
                    + "): the next start writes it again");
        }
    }

    /**
     * The JIT compilers in force, as bin/ludus's LUDUS_JIT set them: C1 only, or C1 and C2 with
     * the number of calls after which C2 takes a method.
     */
    static String compilers() {
        try {
            com.sun.management.HotSpotDiagnosticMXBean hotspot =
                    ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            if (!"true".equals(hotspot.getVMOption("TieredCompilation").getValue())) {
                return "compiler C2 only";
            }
            if (Integer.parseInt(hotspot.getVMOption("TieredStopAtLevel").getValue()) < 4) {
                return "compiler C1 only";
            }
            return "compilers C1 and C2 (C2 after " + hotspot.getVMOption("Tier4InvocationThreshold").getValue() + " calls)";
        } catch (RuntimeException e) {
            return "compilers unknown";
        }
    }

    /** The collector in force, as its usual name (ZGC, G1, Parallel, Serial), else the JVM's names. */
    static String collector() {
        List<String> names = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(java.lang.management.GarbageCollectorMXBean::getName).toList();
        String all = String.join(", ", names);
        if (all.contains("ZGC")) {
            return "ZGC";
        } else if (all.contains("G1")) {
            return "G1";
        } else if (all.contains("PS ")) {
            return "Parallel";
        } else if (all.contains("Copy") || all.contains("MarkSweepCompact")) {
            return "Serial";
        } else if (all.contains("Shenandoah")) {
            return "Shenandoah";
        }
        return all.isEmpty() ? "unknown" : all;
    }

    /**
     * A warning when the maximum heap is more than the memory the machine (or the container) has:
     * the heap would grow into memory that is not there, and the kernel would kill the node before
     * the JVM ever saw a full heap. Null when it fits or when the memory is unknown.
     */
    static String heapAboveMemory(long maxHeapBytes, long totalMemoryBytes) {
        if (totalMemoryBytes <= 0 || maxHeapBytes <= totalMemoryBytes) {
            return null;
        }
        long mib = 1024 * 1024;
        return "the maximum heap (" + maxHeapBytes / mib + " MiB, LUDUS_HEAP or -Xmx in JAVA_OPTS) is more than this "
                + "machine's memory (" + totalMemoryBytes / mib + " MiB): the system may kill the node as its heap "
                + "grows, before any OutOfMemoryError; set LUDUS_HEAP below the memory, leaving room for the JVM's own "
                + "(a few hundred MiB)";
    }

    /** The memory the JVM sees (a container's limit where there is one), or -1. */
    private static long totalMemory() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getTotalMemorySize() : -1;
    }

    private static long maxHeapMiB() {
        return Runtime.getRuntime().maxMemory() / (1024 * 1024);
    }

    /** The process's limit on open files (sockets count), or "unknown" where the JVM cannot tell. */
    private static String openFilesLimit() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return String.valueOf(unix.getMaxFileDescriptorCount());
        }
        return "unknown";
    }

    private int awaitStop(Framework framework, LaunchConfig config) throws InterruptedException {
        // Returns when a signal handler stopped the framework, or something inside stopped it.
        while (true) {
            FrameworkEvent event = framework.waitForStop(0);
            if (event.getType() != FrameworkEvent.STOPPED_UPDATE && event.getType() != FrameworkEvent.STOPPED_SYSTEM_REFRESHED) {
                break;
            }
        }
        Log.info("Ludus stopped");
        return EXIT_OK;
    }

    private void installSignalHandlers(Framework framework) {
        for (String name : List.of("TERM", "INT")) {
            try {
                Signal.handle(new Signal(name), signal -> requestStop(framework, "SIG" + name));
            } catch (IllegalArgumentException e) {
                Log.warn("cannot handle SIG" + name + ": " + e.getMessage());
            }
        }
    }

    private void requestStop(Framework framework, String why) {
        if (!stopRequested.compareAndSet(false, true)) {
            return;
        }
        Log.info(why + " received, stopping");
        Thread stopper = new Thread(() -> {
            try {
                framework.stop();
            } catch (BundleException e) {
                Log.error("stop failed: " + e.getMessage());
            }
        }, "ludus-stop");
        stopper.start();
        startWatchdog(framework);
    }

    /** Logs and guards a stop that did not come from a signal; once per process. */
    private void watchStop(Framework framework, String why) {
        if (!stopRequested.compareAndSet(false, true)) {
            return;
        }
        Log.info(why + ": stopping");
        startWatchdog(framework);
    }

    /** Halts the process with {@link #EXIT_STOP_TIMEOUT} if the framework has not stopped in time. */
    private static void startWatchdog(Framework framework) {
        long seconds = stopTimeout(framework);
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
                Log.error("framework did not stop within " + seconds + " s; exiting anyway");
                Runtime.getRuntime().halt(EXIT_STOP_TIMEOUT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "ludus-stop-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private static long stopTimeout(Framework framework) {
        String v = framework.getBundleContext() == null ? null
                : framework.getBundleContext().getProperty(LaunchConfig.STOP_TIMEOUT);
        try {
            return v == null ? 9 : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 9;
        }
    }

    /** What an unknown feature name was probably meant to be: a list without commas, or a typo. */
    static String featureHint(String name, List<String> available) {
        if (name.strip().contains(" ") || name.contains(";")) {
            return " (feature names are separated by commas, such as 'framework, http, webconsole, ludus-core, games')";
        }
        String near = dev.ludus.config.support.NearestName.nearest(name, available);
        return near == null ? "" : " (did you mean '" + near + "'?)";
    }

    private static List<Feature> loadFeatures(LaunchConfig config) throws IOException {
        List<Feature> features = new ArrayList<>();
        for (String name : config.featureNames()) {
            Path file = config.featuresDir().resolve(name.endsWith(".json") ? name : name + ".json");
            if (!Files.isRegularFile(file)) {
                List<String> names = List.of();
                String available;
                try (Stream<Path> s = Files.list(config.featuresDir())) {
                    names = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json"))
                            .map(n -> n.substring(0, n.length() - 5)).sorted().toList();
                    available = String.join(", ", names);
                } catch (IOException e) {
                    available = "none (" + config.featuresDir() + " is not readable)";
                }
                throw new IllegalArgumentException("feature '" + name + "' not found: no " + file
                        + featureHint(name, names) + "; available: " + available);
            }
            features.add(Feature.read(file));
        }
        return features;
    }

    private static Framework newFramework(Map<String, String> props) {
        Iterator<FrameworkFactory> factories = ServiceLoader.load(FrameworkFactory.class).iterator();
        if (!factories.hasNext()) {
            throw new IllegalStateException("no OSGi framework on the class path");
        }
        return factories.next().newFramework(new HashMap<>(props));
    }

    /**
     * Points Logback (the bundles' log) at {@code conf/logback.xml}, or {@code conf/logback-json.xml}
     * with {@code LUDUS_LOG_FORMAT=json}, unless {@code -Dlogback.configurationFile} names another.
     */
    private static void useLogbackConfiguration(Path home) {
        if (System.getProperty("logback.configurationFile") != null) {
            return;
        }
        Path file = home.resolve("conf").resolve(Log.json() ? "logback-json.xml" : "logback.xml");
        if (Files.isRegularFile(file)) {
            System.setProperty("logback.configurationFile", file.toString());
        } else {
            Log.warn("no " + file + ": the bundles log with Logback's defaults (everything, as text)");
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == t ? String.valueOf(t) : t + " (cause: " + root + ")";
    }

    private static void deleteTree(Path dir) {
        try {
            BackgroundWork.deleteTree(dir);
        } catch (IOException | RuntimeException e) {
            // best effort: a scratch directory under the temp folder
        }
    }
}
