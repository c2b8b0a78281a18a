package dev.ludus.itests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.ludus.testing.fixtures.ProtocolClient;

/**
 * A private copy of the assembled distribution, started as a user would: {@code bin/ludus} in
 * its own process, output captured to a file.
 */
final class Distribution implements AutoCloseable {

    final Path home;
    final Path data;
    final Path log;
    final int port;
    final Map<String, String> env = new HashMap<>();
    /** When set, {@code bin/ludus} is started under this umask (for example "000"). */
    String umask;
    private Process process;

    private Distribution(Path home, Path data, int port) {
        this.home = home;
        this.data = data;
        this.log = home.resolve("ludus.log");
        this.port = port;
    }

    /** Copies the built distribution to a fresh folder under the test work directory. */
    static Distribution copy() throws IOException {
        Path source = Path.of(System.getProperty("ludus.dist"));
        Path root = Path.of(System.getProperty("ludus.itest.work")).resolve("dist-" + UUID.randomUUID());
        Path home = root.resolve("ludus");
        try (Stream<Path> s = Files.walk(source)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path rel = source.relativize(p);
                if (rel.startsWith("data") && rel.getNameCount() > 1) {
                    continue; // never carry state over from someone's run
                }
                Path target = home.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        Distribution d = new Distribution(home, root.resolve("data"), Ports.free());
        d.env.put("LUDUS_HTTP_PORT", String.valueOf(d.port));
        d.env.put("LUDUS_DATA", d.data.toString());
        // Each copy starts with an empty data folder, so with class data sharing on every clean
        // stop would write an archive (a core for a second or two) that no later start uses;
        // DistributionIT's class data sharing test turns it on.
        d.env.put("LUDUS_CDS", "off");
        // The build's test.jvm.opts (C1 only: a copy lives seconds to minutes); a test that sets
        // JAVA_OPTS itself replaces them.
        String opts = System.getProperty("ludus.itest.javaOpts", "");
        if (!opts.isBlank()) {
            d.env.put("JAVA_OPTS", opts);
        }
        return d;
    }

    /**
     * Writes the bot-load example's configuration ({@code config}, the content of
     * {@code conf/dev.ludus.example.botload.cfg}) and drops its jar into {@code deploy/} in one
     * move, so the node never sees half a jar. Returns the configuration file.
     */
    Path deployBotLoad(String config) throws IOException {
        Path cfg = home.resolve("conf/dev.ludus.example.botload.cfg");
        Files.writeString(cfg, config);
        Path part = home.resolve("deploy/botload.jar.part");
        Files.copy(Path.of(System.getProperty("ludus.botload.jar")), part);
        Files.move(part, home.resolve("deploy/botload.jar"), StandardCopyOption.ATOMIC_MOVE);
        return cfg;
    }

    String base() {
        return "http://127.0.0.1:" + port;
    }

    Distribution start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (umask != null) {
            cmd.addAll(List.of("sh", "-c", "umask " + umask + " && exec \"$0\" \"$@\""));
        }
        cmd.add(home.resolve("bin/ludus").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().remove("LUDUS_CONSOLE_PASSWORD");
        pb.environment().remove("LUDUS_FEATURES");
        pb.environment().remove("LUDUS_LOG_FORMAT");
        pb.environment().putAll(env);
        process = pb.start();
        return this;
    }

    Process process() {
        return process;
    }

    /** The Web Console password: from the environment given, else the generated file. */
    String password() throws IOException {
        String fromEnv = env.get("LUDUS_CONSOLE_PASSWORD");
        return fromEnv != null ? fromEnv : Files.readString(data.resolve("console.password"), StandardCharsets.UTF_8).strip();
    }

    /** {@code GET /health} with the console credentials, so the answer carries every detail. */
    String healthWithDetails() throws Exception {
        return Http.get(base() + "/health", "admin", password()).body();
    }

    String output() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    /** Waits until the process has ended; returns its exit code, or fails with the output. */
    int awaitExit(long timeout, TimeUnit unit) throws Exception {
        if (!process.waitFor(timeout, unit)) {
            throw new AssertionError("ludus still running after " + timeout + " " + unit + "; output:\n" + output());
        }
        return process.exitValue();
    }

    void awaitHealthy() throws Exception {
        Wait.until("/health 200 (output so far:\n" + output() + ")", 60_000, () -> {
            if (!process.isAlive()) {
                throw new AssertionError("ludus exited with " + process.exitValue() + ":\n" + output());
            }
            return Http.tryGet(base() + "/health", null, null).status() == 200;
        });
    }

    /**
     * Waits until a player can say hello on {@code /ws}: {@code /health} answers as soon as HTTP is
     * up, and the gateway is the last core bundle to start.
     */
    void awaitGateway() throws Exception {
        java.net.URI ws = java.net.URI.create("ws://127.0.0.1:" + port + "/ws");
        Wait.until("the gateway at " + ws + " (output so far:\n" + output() + ")", 60_000, () -> {
            try (ProtocolClient c = ProtocolClient.hello(ws, "probe")) {
                return true;
            }
        });
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        try (Stream<Path> s = Files.walk(home.getParent())) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
