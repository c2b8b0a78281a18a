package dev.ludus.web.security;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.Test;

public class WebSettingsTest {

    @Test
    public void defaultsAreValid() throws Exception {
        WebSettings s = WebSettings.from(TestConfig.with(Map.of()));
        assertEquals("/system/console", s.consolePath());
        assertEquals(5, s.maxLoginFailures());
        assertEquals(Duration.ofSeconds(30), s.lockout());
        assertEquals(Duration.ofSeconds(10), s.headerTimeout());
        assertEquals(s, WebSettings.defaults());
    }

    @Test
    public void everyOutOfRangeValueIsRefusedNamingPidPropertyAndValue() {
        Map<String, Object> bad = Map.of(
                "maxLoginFailures", 0,
                "loginFailureWindowSeconds", -1,
                "lockoutSeconds", 0,
                "maxLockoutSeconds", 10, // below the 30 s first lockout
                "headerTimeoutSeconds", 0,
                "consolePath", "system/console",
                "allowedOrigins", new String[] {"evil.example"},
                "contentSecurityPolicy", "default-src 'self'\r\nSet-Cookie: x=1",
                "consoleContentSecurityPolicy", " ",
                "referrerPolicy", "unsafe-url");
        for (Map.Entry<String, Object> e : bad.entrySet()) {
            try {
                WebSettings.from(TestConfig.with(Map.of(e.getKey(), e.getValue())));
                fail(e.getKey() + " = " + e.getValue() + " was accepted");
            } catch (InvalidSettingException x) {
                assertTrue(x.getMessage(), x.getMessage().startsWith("bad_setting: dev.ludus.web " + e.getKey() + " = "));
            }
        }
    }

    @Test
    public void aValueThatCannotBeConvertedIsRefusedNamingTheProperty() {
        // What Declarative Services does when the configuration says maxLoginFailures = banana.
        WebSecurityConfig c = (WebSecurityConfig) java.lang.reflect.Proxy.newProxyInstance(
                WebSecurityConfig.class.getClassLoader(), new Class<?>[] {WebSecurityConfig.class}, (p, m, a) -> {
                    if (m.getName().equals("maxLoginFailures")) {
                        throw new IllegalArgumentException("Could not coerce banana to int");
                    }
                    return m.getDefaultValue();
                });
        try {
            WebSettings.from(c);
            fail("banana accepted");
        } catch (InvalidSettingException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("bad_setting: dev.ludus.web maxLoginFailures = "));
            assertTrue(e.getMessage(), e.getMessage().contains("banana"));
        }
    }

    @Test
    public void allowedOriginsAreParsed() throws Exception {
        WebSettings s = WebSettings.from(TestConfig.with(Map.of("allowedOrigins",
                new String[] {"https://Ops.Example.com", "http://127.0.0.1:8080", ""})));
        assertEquals(List.of(new Origin("https", "ops.example.com", 443), new Origin("http", "127.0.0.1", 8080)),
                s.allowedOrigins());
    }
}
