package dev.ludus.redis.connector;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/** Configuration PID {@value ConfiguredRedisConnector#PID}. */
@ObjectClassDefinition(name = "Ludus Redis",
        description = "The Redis this node's shared limiter and cache use. A change restarts the connector and the "
                + "components using it; their connections are opened again with the new settings.")
public @interface RedisConfig {

    @AttributeDefinition(name = "Host", min = "1", description = "Host name or address of Redis.")
    String host() default "127.0.0.1";

    @AttributeDefinition(name = "Port", min = "1", max = "65535")
    int port() default 6379;

    @AttributeDefinition(name = "Database", min = "0", max = "15000",
            description = "Database number (SELECT); 0 unless Redis is shared with something else.")
    int database() default 0;

    @AttributeDefinition(name = "TLS", description = "Connect with TLS (rediss://).")
    boolean tls() default false;

    @AttributeDefinition(name = "TLS verification", options = {
            @Option(value = "full", label = "full: certificate and host name"),
            @Option(value = "ca", label = "ca: certificate only"),
            @Option(value = "none", label = "none: trust any certificate (testing only)")},
            description = "How the server's certificate is checked, with TLS on, against the TLS trust file or else "
                    + "the JVM's trust store.")
    String tlsVerify() default "full";

    @AttributeDefinition(name = "TLS trust file", required = false,
            description = "PEM file with the certificates of the CAs to trust for Redis's certificate (a private CA); "
                    + "empty: the JVM's trust store.")
    String tlsTrustFile() default "";

    @AttributeDefinition(name = "User", required = false,
            description = "ACL user name (Redis 6+); empty: the default user.")
    String user() default "";

    @AttributeDefinition(name = "Password", type = AttributeType.PASSWORD, required = false,
            description = "Stored in property .password, which is never a service property and never logged.")
    String _password() default "";

    @AttributeDefinition(name = "Connect timeout (ms)", min = "10", max = "60000",
            description = "Longest wait to open a connection.")
    int connectTimeoutMillis() default 1000;

    @AttributeDefinition(name = "Command timeout (ms)", min = "1", max = "60000",
            description = "Longest wait for a command's answer; then the command fails (its user applies its own fallback).")
    int commandTimeoutMillis() default 500;

    @AttributeDefinition(name = "Check every (seconds)", min = "1", max = "3600",
            description = "How often the health check PINGs Redis.")
    int checkSeconds() default 2;

    @AttributeDefinition(name = "Client name", min = "1", max = "64",
            description = "CLIENT SETNAME of every connection, so operators can tell Ludus's connections apart in CLIENT LIST.")
    String clientName() default "ludus";
}
