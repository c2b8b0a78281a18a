package dev.ludus.rooms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.Test;
import org.slf4j.Logger;
import org.slf4j.helpers.SubstituteLogger;

public class ThrottledWarningTest {

    /** A logger that keeps what it is asked to warn. */
    private static Logger recording(List<String> lines) {
        return new SubstituteLogger("test", null, false) {
            @Override
            public void warn(String msg, Throwable t) {
                lines.add(msg);
            }
        };
    }

    @Test
    public void oneLineAnIntervalSayingHowManyWereLeftOut() throws Exception {
        List<String> lines = new ArrayList<>();
        Logger log = recording(lines);
        ThrottledWarning w = new ThrottledWarning(200);
        for (int i = 0; i < 50; i++) {
            w.warn(log, "store failed", new RuntimeException("x"));
        }
        assertEquals(List.of("store failed"), lines);
        Thread.sleep(250);
        w.warn(log, "store failed", new RuntimeException("x"));
        assertEquals(2, lines.size());
        assertTrue(lines.get(1), lines.get(1).equals("store failed (and 49 more like it since the last such line)"));
    }
}
