package dev.ludus.web.security;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;

import org.junit.Test;

public class OriginTest {

    @Test
    public void defaultPortsAndCaseDoNotMatter() {
        assertEquals(Origin.ofRequest("http", "Example.com"), Origin.parse("http://example.com"));
        assertEquals(Origin.ofRequest("http", "example.com:80"), Origin.parse("http://EXAMPLE.com"));
        assertEquals(Origin.ofRequest("https", "example.com"), Origin.parse("https://example.com:443/page?q=1"));
        assertEquals(Origin.ofRequest("http", "[::1]:8080"), Origin.parse("http://[::1]:8080"));
    }

    @Test
    public void schemeHostAndPortMustAllMatch() {
        Origin self = Origin.ofRequest("http", "127.0.0.1:8080");
        assertNotEquals(self, Origin.parse("https://127.0.0.1:8080"));
        assertNotEquals(self, Origin.parse("http://127.0.0.1:8081"));
        assertNotEquals(self, Origin.parse("http://localhost:8080"));
        assertNotEquals(self, Origin.parse("http://127.0.0.1.evil.example:8080"));
    }

    @Test
    public void opaqueAndMalformedOriginsParseToNothing() {
        assertNull(Origin.parse("null"));
        assertNull(Origin.parse("file:///etc/passwd"));
        assertNull(Origin.parse("javascript:alert(1)"));
        assertNull(Origin.parse("http://"));
        assertNull(Origin.parse("not a url"));
        assertNull(Origin.ofRequest("http", null));
        assertNull(Origin.ofRequest("http", "evil.example/x"));
        assertNull(Origin.ofRequest("http", "user@evil.example"));
    }
}
