package dev.ludus.gateway;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;

import java.lang.reflect.Proxy;

import org.junit.Test;

/** A configuration value that cannot be read (no configuration guard installed) must not break /ws. */
public class ReadableConfigTest {

    /** Like Declarative Services' view of {@code maxConnections = banana}: the accessor throws. */
    private static GatewayConfig withBanana() {
        TestConfig good = new TestConfig();
        return (GatewayConfig) Proxy.newProxyInstance(GatewayConfig.class.getClassLoader(),
                new Class<?>[] {GatewayConfig.class}, (proxy, method, args) -> {
                    if (method.getName().equals("maxConnections")) {
                        throw new IllegalArgumentException("For input string: banana");
                    }
                    return method.invoke(good, args);
                });
    }

    @Test
    public void anUnreadableValueAtActivationFallsBackToTheDefaults() {
        GatewayConfig c = WebSocketGateway.readable(withBanana(), null);
        assertEquals("the default: derived from the descriptor limit", 0, c.maxConnections());
        assertEquals(65536, c.maxFrameBytes());
        assertEquals(8, c.lobbyThreads());
        assertEquals(GatewayConfig.class, c.annotationType());
    }

    @Test
    public void anUnreadableValueLaterKeepsThePreviousConfiguration() {
        TestConfig previous = new TestConfig();
        previous.maxConnections = 7;
        assertSame(previous, WebSocketGateway.readable(withBanana(), previous));
    }

    @Test
    public void aReadableConfigurationIsUsedAsItIs() {
        TestConfig c = new TestConfig();
        assertSame(c, WebSocketGateway.readable(c, null));
    }
}
