package dev.ludus.config.guard;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.Test;

public class UnknownSettingsTest {

    private static final Map<String, Set<String>> DECLARED = Map.of(
            "dev.ludus.gateway", Set.of("maxMessageBytes", "maxFrameBytes", "shedding", ".password"),
            "dev.ludus.rooms", Set.of("botThinkMillis", "threads"),
            "dev.ludus.cache.factory", Set.of("maxEntries"));

    private static List<String> find(UnknownSettings.Stored... stored) {
        return UnknownSettings.find(List.of(stored),
                c -> DECLARED.get(c.factoryPid() != null ? c.factoryPid() : c.pid()), DECLARED.keySet());
    }

    @Test
    public void aPropertyThePidDoesNotDeclareIsNamedWithTheNearestDeclaredOne() {
        assertEquals(List.of("dev.ludus.gateway: maxMesageBytes (did you mean maxMessageBytes?), sheding (did you mean shedding?),"
                        + " wholly unrelated are not settings of this PID, ignored"),
                find(new UnknownSettings.Stored("dev.ludus.gateway", null, List.of("maxFrameBytes", "maxMesageBytes",
                        "sheding", "wholly unrelated", "service.pid", "felix.fileinstall.filename", "limiter.target", ".password"))));
        assertEquals("a case slip is a typo too", List.of("dev.ludus.rooms: botthinkmillis (did you mean botThinkMillis?) is not a setting of this PID, ignored"),
                find(new UnknownSettings.Stored("dev.ludus.rooms", null, List.of("botthinkmillis", "threads"))));
        assertEquals("a factory configuration is read against its factory PID",
                List.of("dev.ludus.cache.factory~a: maxEntires (did you mean maxEntries?) is not a setting of this PID, ignored"),
                find(new UnknownSettings.Stored("dev.ludus.cache.factory~a", "dev.ludus.cache.factory", List.of("maxEntires"))));
        assertEquals(List.of(), find(new UnknownSettings.Stored("dev.ludus.rooms", null, List.of("threads", "service.pid"))));
    }

    @Test
    public void aByteOrderMarkBeforeTheFirstSettingIsNamedAsSuch() {
        // Saved as "UTF-8 with BOM" and read as ISO-8859-1 (FileInstall's .cfg files): the mark is
        // three characters in front of the first name.
        String latin1 = "\u00EF\u00BB\u00BFbotThinkMillis";
        assertEquals(List.of("dev.ludus.rooms: " + latin1 + " (the file starts with a UTF-8 byte-order mark, read as part of this"
                        + " name: save it without the mark to apply botThinkMillis) is not a setting of this PID, ignored"),
                find(new UnknownSettings.Stored("dev.ludus.rooms", null, List.of(latin1, "threads"))));
        assertEquals(List.of("dev.ludus.rooms: \uFEFFnoSuchSetting (the file starts with a UTF-8 byte-order mark, read as part of"
                        + " this name: save it without the mark) is not a setting of this PID, ignored"),
                find(new UnknownSettings.Stored("dev.ludus.rooms", null, List.of("\uFEFFnoSuchSetting"))));
        assertNull(UnknownSettings.withoutByteOrderMark("botThinkMillis"));
        assertNull("the mark alone is no name", UnknownSettings.withoutByteOrderMark("\uFEFF"));
    }

    @Test
    public void aPidNoBundleDescribesIsNamedOnlyWhenItIsNearlyADescribedOne() {
        assertEquals(List.of("dev.ludus.gatway: no bundle describes this PID (did you mean dev.ludus.gateway?); nothing reads it"),
                find(new UnknownSettings.Stored("dev.ludus.gatway", null, List.of("maxMessageBytes")),
                        // a bundle not installed yet may read these: not typos
                        new UnknownSettings.Stored("dev.ludus.limits.redis", null, List.of("timeoutMillis")),
                        new UnknownSettings.Stored("dev.ludus.nats", null, List.of("servers"))));
        assertNull("two edits from a described PID is another PID", UnknownSettings.nearest("dev.ludus.nats",
                Set.of("dev.ludus.stats"), 1));
    }

    @Test
    public void nearMeansTwoEditsAtMostOneForShortNamesAndNoTie() {
        assertEquals("maxMessageBytes", UnknownSettings.nearest("maxMesageBytes", Set.of("maxMessageBytes", "maxFrameBytes")));
        assertEquals("two letters swapped are one edit", "threads", UnknownSettings.nearest("thraeds", Set.of("threads")));
        assertNull("three edits", UnknownSettings.nearest("maxMsgBytes", Set.of("maxMessageBytes")));
        assertNull("short names allow one", UnknownSettings.nearest("tred", Set.of("threads", "tx")));
        assertEquals("ttl", UnknownSettings.nearest("tll", Set.of("ttl")));
        assertNull("a tie names neither", UnknownSettings.nearest("abcdex", Set.of("abcdey", "abcdez")));
    }
}
