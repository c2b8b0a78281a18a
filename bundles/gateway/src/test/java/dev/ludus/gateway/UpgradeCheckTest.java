package dev.ludus.gateway;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import org.junit.Test;

public class UpgradeCheckTest {

    private static Integer status(UpgradeCheck c, String origin, String host, boolean loopback) {
        UpgradeCheck.Refusal r = c.check(origin, host, loopback);
        return r == null ? null : r.status();
    }

    @Test
    public void ownOriginAndOriginlessClientsAreAllowedOthersAreNot() {
        UpgradeCheck c = new UpgradeCheck(new String[0], new String[0]);
        assertNull(status(c, null, "game.example.com", false));
        assertNull(status(c, "https://game.example.com", "game.example.com", false));
        assertNull(status(c, "https://game.example.com", "game.example.com:443", false));
        assertNull(status(c, "http://Game.Example.com:8080", "game.example.com:8080", false));
        assertEquals((Integer) 403, status(c, "http://game.example.com", "game.example.com:8080", false));
        assertEquals((Integer) 403, status(c, "https://evil.example", "game.example.com", false));
        assertEquals((Integer) 403, status(c, "null", "game.example.com", false));
        assertEquals((Integer) 400, status(c, null, null, false));
    }

    @Test
    public void onLoopbackOnlyLocalNamesOrConfiguredOnesAreServed() {
        UpgradeCheck c = new UpgradeCheck(new String[] {"https://play.example.com/"}, new String[] {"Game.Test"});
        assertNull(status(c, null, "localhost:8080", true));
        assertNull(status(c, null, "127.0.0.1:8080", true));
        assertNull(status(c, null, "127.8.9.10", true));
        assertNull(status(c, null, "[::1]:8080", true));
        assertNull(status(c, null, "game.test:8080", true));
        assertNull(status(c, "https://play.example.com", "localhost:8080", true));
        assertEquals((Integer) 403, status(c, null, "evil.example:8080", true));
        assertEquals((Integer) 403, status(c, null, "127.0.0.1.evil.example", true));
        assertEquals((Integer) 403, status(c, null, "127.0.0.300", true));
        // The same names on a public address are not restricted by host (the origin check remains).
        assertNull(status(c, null, "evil.example:8080", false));
    }

    @Test
    public void aWildcardAllowsEveryOrigin() {
        UpgradeCheck c = new UpgradeCheck(new String[] {"*"}, null);
        assertNull(status(c, "http://anywhere.example", "game.example.com", false));
        assertNull(status(c, "null", "game.example.com", false));
    }
}
