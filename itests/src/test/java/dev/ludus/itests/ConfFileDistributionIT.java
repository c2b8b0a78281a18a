package dev.ludus.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Test;

/**
 * {@code conf/*.cfg} belong to the operator: the real distribution applies every edit of a file,
 * never rewrites or empties one, and a Web Console change of a PID that has a file applies live
 * until the file is edited or Ludus restarts, when the file wins again.
 */
public class ConfFileDistributionIT {

    private static final String PID = "dev.ludus.rooms";
    private static final String PASSWORD = "conf-file-it";
    private static final Pattern BOT_THINK = Pattern.compile("\"botThinkMillis\":\\{[^}]*\"value\":\"?([^\",}]*)");

    /**
     * FileInstall's write-back (on in FileInstall by default) truncated the file and rewrote it
     * after every configuration update it caused; a poll landing in between read an empty file and
     * stored an empty configuration, which the next write-back wrote out: the file stayed empty
     * and the setting was gone. A 1 ms poll makes that race likely on every edit (it happened
     * about one edit in three); the default 1 s poll only makes it rarer.
     */
    @Test
    public void everyEditOfAConfFileIsAppliedAndTheFileIsNeverRewritten() throws Exception {
        try (Distribution d = Distribution.copy()) {
            d.env.put("LUDUS_CONSOLE_PASSWORD", PASSWORD);
            Path conf = d.home.resolve("conf");
            Files.writeString(conf.resolve("ludus.properties"), "\nfelix.fileinstall.poll = 1\n", StandardOpenOption.APPEND);
            Path file = conf.resolve(PID + ".cfg");
            String seeded = "# rooms, as the operator wrote them\nbotThinkMillis = 20\n";
            Files.writeString(file, seeded);
            d.start();
            d.awaitGateway();
            Wait.until("botThinkMillis 20 from the file", 10_000, () -> "20".equals(botThinkMillis(d)));
            Thread.sleep(300);
            assertEquals("the file as written at start", seeded, Files.readString(file));

            for (int v = 21; v <= 36; v++) {
                String content = "# rooms, as the operator wrote them\nbotThinkMillis = " + v + "\n";
                write(file, content);
                String expected = String.valueOf(v);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!expected.equals(botThinkMillis(d)) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals("edit " + v + ": the value the console shows (the file now holds '"
                        + Files.readString(file) + "')", expected, botThinkMillis(d));
                // Time for a write-back and a few polls to come after the update.
                Thread.sleep(150);
                assertEquals("edit " + v + ": the file is exactly what the operator wrote", content, Files.readString(file));
                assertEquals("edit " + v + ": the configuration still holds the file's value", expected, botThinkMillis(d));
            }
        }
    }

    /**
     * The documented policy for a PID that has a file: a console save applies at once and is
     * kept in ConfigAdmin, the file is not touched, and the file wins again when it is edited or
     * when Ludus restarts. Deleting the configuration in the console leaves the file in place.
     */
    @Test
    public void consoleEditOfAPidWithAFileAppliesLiveAndTheFileWinsWhenEditedOrAtRestart() throws Exception {
        try (Distribution d = Distribution.copy()) {
            d.env.put("LUDUS_CONSOLE_PASSWORD", PASSWORD);
            Path file = d.home.resolve("conf").resolve(PID + ".cfg");
            String seeded = "# rooms\nbotThinkMillis = 20\n";
            Files.writeString(file, seeded);
            d.start();
            d.awaitGateway();
            Wait.until("botThinkMillis 20 from the file", 10_000, () -> "20".equals(botThinkMillis(d)));

            consoleSave(d, "35");
            Wait.until("the console's 35 in force", 5_000, () -> "35".equals(botThinkMillis(d)));
            Thread.sleep(2_500); // more than two polls: nothing rewrites the file or undoes the save
            assertEquals("35", botThinkMillis(d));
            assertEquals("a console save leaves the file alone", seeded, Files.readString(file));

            d.process().destroy();
            assertEquals(d.output(), 0, d.awaitExit(15, TimeUnit.SECONDS));
            d.start();
            d.awaitGateway();
            Wait.until("the file's 20 back after a restart", 10_000, () -> "20".equals(botThinkMillis(d)));
            assertEquals(seeded, Files.readString(file));

            consoleSave(d, "35");
            Wait.until("the console's 35 in force", 5_000, () -> "35".equals(botThinkMillis(d)));
            String edited = "# rooms\nbotThinkMillis = 25\n";
            write(file, edited);
            Wait.until("the edited file's 25 wins over the console", 5_000, () -> "25".equals(botThinkMillis(d)));

            consoleDelete(d);
            Wait.until("the configuration deleted", 5_000, () -> botThinkMillis(d) == null);
            Thread.sleep(1_500);
            assertTrue("deleting in the console leaves the file", Files.exists(file));
            assertEquals("deleting in the console leaves the file", edited, Files.readString(file));
        }
    }

    /**
     * The value of {@code botThinkMillis} the console shows for the rooms PID (its default when
     * the configuration has no such property), or null when there is no configuration.
     */
    private static String botThinkMillis(Distribution d) throws Exception {
        Http.Response r = Http.get(d.base() + "/system/console/configMgr/" + PID + ".json", "admin", PASSWORD);
        assertEquals(r.body(), 200, r.status());
        Matcher m = BOT_THINK.matcher(r.body());
        return m.find() ? m.group(1) : null;
    }

    /** What the console's Configuration page posts when botThinkMillis is changed and saved. */
    private static void consoleSave(Distribution d, String value) throws Exception {
        consolePost(d, "apply=true&action=ajaxConfigManager&propertylist=botThinkMillis&botThinkMillis="
                + URLEncoder.encode(value, StandardCharsets.UTF_8));
    }

    private static void consoleDelete(Distribution d) throws Exception {
        consolePost(d, "apply=true&delete=true");
    }

    private static void consolePost(Distribution d, String form) throws Exception {
        String auth = Base64.getEncoder().encodeToString(("admin:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(d.base() + "/system/console/configMgr/" + PID))
                .header("Authorization", "Basic " + auth)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue("Web Console answered " + r.statusCode() + ": " + r.body(), r.statusCode() < 400);
    }

    /** Writes as a careful operator does: a temporary name, then a rename. */
    private static void write(Path file, String content) throws Exception {
        Path tmp = file.resolveSibling(file.getFileName() + ".part");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
