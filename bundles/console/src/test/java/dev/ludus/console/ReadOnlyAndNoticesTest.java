package dev.ludus.console;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.Test;

public class ReadOnlyAndNoticesTest {

    @Test
    public void basicHeaderSplitsAtTheFirstColonAndRefusesOtherSchemes() {
        String h = "Basic " + Base64.getEncoder().encodeToString("viewer:a:b".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(new String[] {"viewer", "a:b"}, ReadOnlyOperator.basic(h));
        assertNull(ReadOnlyOperator.basic("Bearer abc"));
        assertNull(ReadOnlyOperator.basic("Basic !!!"));
        assertNull(ReadOnlyOperator.basic(null));
    }

    @Test
    public void noticesComeOnlyFromFixedCodes() {
        assertNull("a crafted text is not a code", Notices.text(Notices.REFUSED, "<b>your account is locked</b>"));
        assertNull(Notices.text(Notices.DONE, "anything at all"));
        assertNull(Notices.text(Notices.DONE, null));
        assertTrue(Notices.text(Notices.DONE, "disconnect").contains("4004"));
        assertTrue(Notices.text(Notices.REFUSED, "read_only").startsWith("Refused (read_only)"));
        assertEquals("room=r1&q=x", ConsolePage.withoutNotices("room=r1&done=disconnect&q=x&refused=evil"));
        assertNull(ConsolePage.withoutNotices("done=anything"));
    }

    @Test
    public void everyActionOfTheRoomsPageHasItsNoticeAndEveryRefusalOfARoomOperationToo() {
        for (String action : RoomsPage.ACTIONS) {
            assertTrue(action, Notices.text(Notices.DONE, action) != null);
        }
        for (String code : new String[] {"room_paused", "not_paused", "not_started", "game_over", "no_such_room",
                "bad_options", "bad_reason", "bad_room", "unavailable", "game_paused"}) {
            assertTrue(code, Notices.text(Notices.REFUSED, code).startsWith("Refused (" + code + ")"));
        }
    }
}
