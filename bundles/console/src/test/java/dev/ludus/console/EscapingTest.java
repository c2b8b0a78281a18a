package dev.ludus.console;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.Test;

public class EscapingTest {

    private static final String HOSTILE = "<script>alert(1)</script>\"'&";

    @Test
    public void htmlTextEscapesEveryCharacterThatCouldEndTextOrAnAttribute() {
        assertEquals("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;", Html.text(HOSTILE));
        assertEquals("", Html.text(null));
        assertEquals("plain name", Html.text("plain name"));
    }

    @Test
    public void jsonEscapesAngleBracketsAmpersandsAndQuotes() {
        String json = ConsoleJson.write(Map.of("name", HOSTILE));
        assertFalse(json, json.contains("<"));
        assertFalse(json, json.contains(">"));
        assertFalse(json, json.contains("&"));
        assertFalse(json, json.contains("'"));
        assertTrue(json, json.contains("\\u003Cscript\\u003E") || json.contains("\\u003cscript\\u003e"));
        assertTrue(json, json.contains("\\\""));
    }

    @Test
    public void jsonKeepsAClientsLineBreaksOutOfTheAuditLine() {
        String json = ConsoleJson.write("player\nconsole_action: user=\"forged\"");
        assertFalse(json, json.contains("\n"));
        assertTrue(json, json.contains("\\n"));
    }

    @Test
    public void tableCellsAndLinksAreEscaped() {
        java.io.StringWriter s = new java.io.StringWriter();
        java.io.PrintWriter out = new java.io.PrintWriter(s);
        ConsolePage.table(out, "rooms", OverviewPage.columns("name", "Name"),
                List.of(Map.of("name", HOSTILE, "roomId", "a\"b&c")), "room", "roomId");
        out.flush();
        String html = s.toString();
        assertFalse(html, html.contains("<script>"));
        assertTrue(html, html.contains("&lt;script&gt;"));
        assertTrue(html, html.contains("href=\"?room=a%22b%26c\""));
    }

    @Test
    public void actionRateFromACountNeedsASecondBetweenLooks() {
        ActionRate r = new ActionRate();
        assertEquals(null, r.fromCount(100, 0).get("perSecond"));
        assertEquals(null, r.fromCount(150, 500_000_000L).get("perSecond"));
        assertEquals(100.0, r.fromCount(300, 2_000_000_000L).get("perSecond"));
        // a count that starts again (its bundle restarted) is a new start, not a negative rate
        assertEquals(100.0, r.fromCount(5, 3_000_000_000L).get("perSecond"));
    }
}
