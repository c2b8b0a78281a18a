package dev.ludus.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.frameworkStartLevel;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.systemTimeout;
import static org.ops4j.pax.exam.CoreOptions.workingDirectory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import org.ops4j.pax.exam.Option;

import dev.ludus.runtime.FeaturePlan;

/**
 * Pax Exam options that boot the distribution's default feature set exactly as the launcher
 * does (same bundles, same start levels), in a fresh work folder. Call only from a
 * {@code @Configuration} method: it runs outside the framework.
 */
final class ExamConfig {

    private ExamConfig() {
    }

    static Option[] defaultFeatureSet(String name, List<String> extraFeatures, Option... extra) throws Exception {
        return defaultFeatureSet(name, extraFeatures, java.util.Map.of(), extra);
    }

    /**
     * Like {@link #defaultFeatureSet(String, List, Option...)}, with files written into the
     * watched {@code conf/} folder before the framework starts (for example component
     * configurations, {@code pid.cfg} → content).
     */
    static Option[] defaultFeatureSet(String name, List<String> extraFeatures, java.util.Map<String, String> confFiles,
                                      Option... extra) throws Exception {
        Path dist = Path.of(System.getProperty("ludus.dist"));
        Path work = Path.of(System.getProperty("ludus.itest.work")).resolve(name + "-" + UUID.randomUUID());
        Path deploy = Files.createDirectories(work.resolve("deploy"));
        Path conf = Files.createDirectories(work.resolve("conf"));
        Path data = Files.createDirectories(work.resolve("data"));
        for (java.util.Map.Entry<String, String> file : confFiles.entrySet()) {
            Files.writeString(conf.resolve(file.getKey()), file.getValue());
        }
        String password = UUID.randomUUID().toString();
        List<String> features = new ArrayList<>(FeaturePlan.DEFAULT_FEATURES);
        features.addAll(extraFeatures);
        List<Option> options = new ArrayList<>();
        for (FeaturePlan.PlannedBundle b : FeaturePlan.of(dist, features)) {
            options.add(bundle(b.jar().toUri().toString()).startLevel(b.startLevel()).start(b.start()));
        }
        options.add(junitBundles());
        // The shared test doubles (the protocol client) for code that runs in the probe; not part of the distribution.
        options.add(bundle(Path.of(System.getProperty("ludus.fixtures.jar")).toUri().toString()));
        options.add(frameworkStartLevel(100));
        options.add(systemTimeout(120_000));
        options.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
        options.add(workingDirectory(work.resolve("paxexam").toString()));
        options.add(frameworkProperty("ludus.data").value(data.toString()));
        options.add(frameworkProperty("org.osgi.service.http.port").value(String.valueOf(Ports.free())));
        options.add(frameworkProperty("org.apache.felix.http.host").value("127.0.0.1"));
        options.add(frameworkProperty("org.apache.felix.jetty.websocket.enable").value("true"));
        options.add(frameworkProperty("felix.fileinstall.dir").value(deploy + "," + conf));
        options.add(frameworkProperty("felix.fileinstall.filter").value(".*\\.(jar|cfg|config)"));
        options.add(frameworkProperty("felix.fileinstall.poll").value("200"));
        options.add(frameworkProperty("felix.fileinstall.noInitialDelay").value("true"));
        options.add(frameworkProperty("felix.fileinstall.enableConfigSave").value("false"));
        options.add(frameworkProperty("felix.cm.dir").value(work.resolve("config").toString()));
        options.add(frameworkProperty("felix.webconsole.username").value("admin"));
        options.add(frameworkProperty("felix.webconsole.password").value(sha256(password)));
        options.add(frameworkProperty("ludus.itest.password").value(password));
        options.add(frameworkProperty("ludus.itest.deploy").value(deploy.toString()));
        options.add(frameworkProperty("ludus.itest.conf").value(conf.toString()));
        options.add(frameworkProperty("ludus.itest.example").value(System.getProperty("ludus.example.jar")));
        options.addAll(List.of(extra));
        return options.toArray(new Option[0]);
    }

    private static String sha256(String password) throws Exception {
        byte[] d = MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
        return "{sha-256}" + Base64.getEncoder().encodeToString(d);
    }
}
