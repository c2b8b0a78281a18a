package dev.ludus.redis.connector;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.net.ServerSocket;

import org.junit.Test;

import dev.ludus.api.health.HealthResult;
import dev.ludus.api.health.HealthStatus;
import dev.ludus.testing.services.Redis;
import dev.ludus.testing.services.RedisTls;
import dev.ludus.testing.services.ServiceEndpoint;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;

/** The connector against a real Redis (or an embedded one), against nothing, and with bad settings. */
public class ConfiguredRedisConnectorTest {

    /** The defaults, with fields a test changes. */
    static final class Settings implements RedisConfig {
        String host = "127.0.0.1";
        int port = 6379;
        int database = 0;
        boolean tls = false;
        String tlsVerify = "full";
        String trustFile = "";
        String user = "";
        String password = "";
        int connectTimeout = 1000;
        int commandTimeout = 500;
        int checkSeconds = 1;
        String clientName = "ludus";

        @Override public Class<? extends Annotation> annotationType() { return RedisConfig.class; }
        @Override public String host() { return host; }
        @Override public int port() { return port; }
        @Override public int database() { return database; }
        @Override public boolean tls() { return tls; }
        @Override public String tlsVerify() { return tlsVerify; }
        @Override public String tlsTrustFile() { return trustFile; }
        @Override public String user() { return user; }
        @Override public String _password() { return password; }
        @Override public int connectTimeoutMillis() { return connectTimeout; }
        @Override public int commandTimeoutMillis() { return commandTimeout; }
        @Override public int checkSeconds() { return checkSeconds; }
        @Override public String clientName() { return clientName; }
    }

    private static HealthResult awaitHealth(ConfiguredRedisConnector c, HealthStatus status) throws InterruptedException {
        long end = System.currentTimeMillis() + 10_000;
        HealthResult h = c.check();
        while (h.status() != status) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("health stayed " + h);
            }
            Thread.sleep(20);
            h = c.check();
        }
        return h;
    }

    @Test
    public void connectsWithItsSettingsAndReportsThePing() throws Exception {
        ServiceEndpoint e = Redis.server(ConfiguredRedisConnectorTest.class, 3);
        Settings s = new Settings();
        s.host = e.host();
        s.port = e.port();
        s.database = 3;
        s.clientName = "ludus-test";
        ConfiguredRedisConnector c = new ConfiguredRedisConnector();
        c.activate(s);
        try {
            HealthResult h = awaitHealth(c, HealthStatus.UP);
            assertEquals("redis://" + e.host() + ":" + e.port() + "/3", h.details().get("target"));
            assertTrue(h.details().toString(), (long) h.details().get("pingMicros") >= 0);
            assertTrue(c.reachable());
            try (StatefulRedisConnection<String, String> conn = c.connect(StringCodec.UTF8)) {
                assertTrue("the client name is set: " + conn.sync().clientGetname(), "ludus-test".equals(conn.sync().clientGetname()));
                String key = "ludus:test:db:" + System.nanoTime();
                conn.sync().setex(key, 10, "x");
                assertEquals("in database 3", Long.valueOf(1), conn.sync().exists(key));
                conn.sync().select(0);
                assertEquals("not in database 0", Long.valueOf(0), conn.sync().exists(key));
            }
        } finally {
            c.deactivate();
        }
        assertFalse(c.reachable());
    }

    @Test
    public void nothingListeningIsDegradedAndConnectFailsFast() throws Exception {
        Settings s = new Settings();
        s.port = freePort();
        ConfiguredRedisConnector c = new ConfiguredRedisConnector();
        c.activate(s);
        try {
            long end = System.currentTimeMillis() + 10_000;
            while (!c.check().reason().contains("Connection refused") && System.currentTimeMillis() < end) {
                Thread.sleep(20);
            }
            HealthResult h = c.check();
            assertEquals(HealthStatus.DEGRADED, h.status());
            assertTrue(h.reason(), h.reason().startsWith("Redis does not answer since ") && h.reason().contains("Connection refused"));
            long start = System.nanoTime();
            assertThrows(RedisException.class, () -> c.connect(StringCodec.UTF8));
            assertTrue("refused at once", (System.nanoTime() - start) / 1_000_000 < 1_500);
        } finally {
            c.deactivate();
        }
    }

    @Test
    public void aBadSettingIsNamedAndNothingIsOpened() {
        Settings s = new Settings();
        s.port = 70000;
        assertBad(s, "port must be 1..65535, got 70000");
        s = new Settings();
        s.tlsVerify = "maybe";
        assertBad(s, "tlsVerify must be full, ca or none, got 'maybe'");
        s = new Settings();
        s.host = "redis://x";
        assertBad(s, "host must be a host name or address, got 'redis://x'");
        s = new Settings();
        s.user = "ludus";
        assertBad(s, "user 'ludus' needs a password (.password)");
        s = new Settings();
        s.clientName = "two words";
        assertBad(s, "clientName must be 1-64 printable characters without spaces, got 'two words'");
    }

    private static void assertBad(Settings s, String message) {
        ConfiguredRedisConnector c = new ConfiguredRedisConnector();
        c.activate(s);
        try {
            HealthResult h = c.check();
            assertEquals(HealthStatus.DOWN, h.status());
            assertEquals("configuration dev.ludus.redis: " + message, h.reason());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.connect(StringCodec.UTF8));
            assertTrue(e.getMessage(), e.getMessage().endsWith(message));
        } finally {
            c.deactivate();
        }
    }

    @Test
    public void aPasswordProtectedRedisTakesThePrivatePasswordAndRefusesAWrongOne() throws Exception {
        Redis.Own own = Redis.own(ConfiguredRedisConnectorTest.class, 1, "requirepass s3cret-pw");
        try {
            Settings s = new Settings();
            s.port = own.port();
            s.password = "s3cret-pw";
            ConfiguredRedisConnector right = new ConfiguredRedisConnector();
            right.activate(s);
            try {
                awaitHealth(right, HealthStatus.UP);
                try (StatefulRedisConnection<String, String> c = right.connect(StringCodec.UTF8)) {
                    assertEquals("PONG", c.sync().ping());
                }
            } finally {
                right.deactivate();
            }
            s.password = "not-the-pw-42";
            ConfiguredRedisConnector wrong = new ConfiguredRedisConnector();
            wrong.activate(s);
            try {
                long end = System.currentTimeMillis() + 10_000;
                while (!wrong.check().reason().contains("WRONGPASS") && System.currentTimeMillis() < end) {
                    Thread.sleep(20);
                }
                HealthResult h = wrong.check();
                assertEquals(HealthStatus.DEGRADED, h.status());
                assertTrue("Redis's refusal is the reason: " + h.reason(), h.reason().contains("WRONGPASS"));
                assertFalse("no password in what health shows", (h.reason() + h.details()).contains("not-the-pw-42")
                        || (h.reason() + h.details()).contains("s3cret"));
                assertThrows(RedisException.class, () -> wrong.connect(StringCodec.UTF8));
            } finally {
                wrong.deactivate();
            }
        } finally {
            own.stop();
        }
    }

    @Test
    public void tlsWithTheCaInTheTrustFileIsUpAndEveryWrongSettingIsRefusedByTheHandshake() throws Exception {
        RedisTls.Server tlsRedis = RedisTls.server(ConfiguredRedisConnectorTest.class, 1);
        Settings s = new Settings();
        s.port = tlsRedis.port();
        s.tls = true;
        s.trustFile = tlsRedis.caCertificate().toString();
        ConfiguredRedisConnector trusted = new ConfiguredRedisConnector();
        trusted.activate(s);
        try {
            HealthResult h = awaitHealth(trusted, HealthStatus.UP);
            assertEquals("rediss://127.0.0.1:" + tlsRedis.port() + "/0", h.details().get("target"));
            try (StatefulRedisConnection<String, String> c = trusted.connect(StringCodec.UTF8)) {
                assertEquals("full verification against the trust file: certificate and host name", "PONG", c.sync().ping());
            }
        } finally {
            trusted.deactivate();
        }

        s.trustFile = "";
        assertRefused(s, "the JVM's trust store does not know the test CA");
        s.tlsVerify = "none";
        ConfiguredRedisConnector unverified = new ConfiguredRedisConnector();
        unverified.activate(s);
        try {
            awaitHealth(unverified, HealthStatus.UP);
        } finally {
            unverified.deactivate();
        }
        s.tls = false;
        assertRefused(s, "plain text to a TLS port");
        s.tls = true;
        s.trustFile = "/nonexistent/ca.pem";
        assertBad(s, "tlsTrustFile /nonexistent/ca.pem is not a readable file");
    }

    private static void assertRefused(Settings s, String why) throws Exception {
        ConfiguredRedisConnector c = new ConfiguredRedisConnector();
        c.activate(s);
        try {
            long end = System.currentTimeMillis() + 10_000;
            while (c.check().reason().contains("not checked yet") && System.currentTimeMillis() < end) {
                Thread.sleep(20);
            }
            HealthResult h = c.check();
            assertEquals(why + ": " + h, HealthStatus.DEGRADED, h.status());
            assertThrows(why, RedisException.class, () -> c.connect(StringCodec.UTF8));
        } finally {
            c.deactivate();
        }
    }

    @Test
    public void thePasswordIsNeverInTheTarget() {
        Settings s = new Settings();
        s.password = "s3cret";
        s.tls = true;
        RedisSettings r = RedisSettings.of(s);
        assertEquals("rediss://127.0.0.1:6379/0", r.target());
        assertFalse(r.uri().toString().contains("s3cret"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
