package dev.ludus.loadtest;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The echo baseline's server in a JVM of its own: the same classes and JVM options as the load
 * tool, optionally pinned to CPUs with {@code taskset}, so its CPU time is its own and can be
 * set beside the node's.
 */
final class EchoProcess implements AutoCloseable {

    /** What the child prints, followed by its port, once it listens. */
    static final String READY = "echo server listening on port ";

    private static final Pattern CPU_LIST = Pattern.compile("[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*");

    private final Process process;
    private final int port;

    private EchoProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    /** Checks a {@code taskset -c} CPU list such as {@code 0}, {@code 0,1} or {@code 2-3}; null means not pinned. */
    static void checkCpuList(String cpus) {
        if (cpus != null && !CPU_LIST.matcher(cpus).matches()) {
            throw new IllegalArgumentException("--echo-cpus must be a CPU list such as 0 or 0,2 or 1-3, got '" + cpus + "'");
        }
        if (cpus != null && onPath("taskset") == null) {
            throw new IllegalArgumentException("--echo-cpus needs taskset (util-linux), which is not on the PATH");
        }
    }

    /** Starts the echo server and waits until it listens. */
    static EchoProcess start(String cpus) throws IOException {
        checkCpuList(cpus);
        List<String> command = new ArrayList<>();
        if (cpus != null) {
            command.add(onPath("taskset").toString());
            command.add("-c");
            command.add(cpus);
        }
        command.add(ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(LoadTool.class.getName());
        command.add("--echo-server-only");
        command.add("0");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Integer> ready = CompletableFuture.supplyAsync(() -> {
            StringBuilder seen = new StringBuilder();
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith(READY)) {
                        // keep draining its output so the child never blocks on a full pipe
                        Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "echo-server-output");
                        drain.setDaemon(true);
                        drain.start();
                        return Integer.parseInt(line.substring(READY.length()).trim());
                    }
                    seen.append(line).append('\n');
                }
            } catch (IOException e) {
                seen.append(e);
            }
            throw new IllegalStateException("the echo server exited before it listened: " + seen);
        });
        try {
            return new EchoProcess(p, ready.get(30, TimeUnit.SECONDS));
        } catch (Exception e) {
            p.destroyForcibly();
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IOException("could not start the echo server (" + String.join(" ", command) + "): " + cause.getMessage(), e);
        }
    }

    /** The child's CPU time (user and system) so far, in seconds. */
    double cpuSeconds() {
        Duration d = process.toHandle().info().totalCpuDuration().orElse(null);
        if (d != null) {
            return d.toNanos() / 1e9;
        }
        throw new IllegalStateException("the CPU time of process " + process.pid() + " cannot be read on this system");
    }

    @Override
    public void close() throws IOException {
        process.getOutputStream().close(); // the end of its input: it stops its server and exits
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static Path onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
