package dev.ludus.nats.connector;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration PID {@value ConfiguredNatsConnector#PID}. */
@ObjectClassDefinition(name = "Ludus NATS",
        description = "The NATS this node's NATS message bus uses. A change restarts the connector and the components "
                + "using it; their connections are opened again with the new settings.")
public @interface NatsConfig {

    @AttributeDefinition(name = "Servers", min = "1",
            description = "Comma-separated server URLs, nats://host:port (or tls://host:port); the client picks one and "
                    + "fails over to the others. No credentials here: use user and .password, or .token.")
    String servers() default "nats://127.0.0.1:4222";

    @AttributeDefinition(name = "User", required = false, description = "User name; needs .password.")
    String user() default "";

    @AttributeDefinition(name = "Password", type = AttributeType.PASSWORD, required = false,
            description = "Stored in property .password, which is never a service property and never logged.")
    String _password() default "";

    @AttributeDefinition(name = "Token", type = AttributeType.PASSWORD, required = false,
            description = "Authentication token instead of a user (property .token; never logged).")
    String _token() default "";

    @AttributeDefinition(name = "TLS", description = "Connect with TLS, verified against the JVM's trust store "
            + "(also implied by tls:// URLs).")
    boolean tls() default false;

    @AttributeDefinition(name = "Connect timeout (ms)", min = "10", max = "60000",
            description = "Longest wait to open a connection to one server.")
    int connectTimeoutMillis() default 2000;

    @AttributeDefinition(name = "Request timeout (ms)", min = "10", max = "60000",
            description = "Longest wait for a request's answer (a JetStream publish acknowledgement, a management call).")
    int requestTimeoutMillis() default 2000;

    @AttributeDefinition(name = "Reconnect wait (ms)", min = "10", max = "60000",
            description = "Wait between reconnect attempts to the same server.")
    int reconnectWaitMillis() default 500;

    @AttributeDefinition(name = "Reconnect buffer (bytes)", min = "0", max = "1073741824",
            description = "Core publishes kept in memory while disconnected; 0 refuses them at once.")
    long reconnectBufferBytes() default 8L * 1024 * 1024;

    @AttributeDefinition(name = "Check every (seconds)", min = "1", max = "3600",
            description = "How often the health check measures the round trip to NATS.")
    int checkSeconds() default 2;

    @AttributeDefinition(name = "Connection name prefix", min = "1", max = "64",
            description = "Prefix of every connection's name, so operators can tell Ludus's connections apart in the "
                    + "server's monitoring (connz).")
    String clientName() default "ludus";
}
