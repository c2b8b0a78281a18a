package dev.ludus.gateway;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Ludus gateway",
        description = "The players' WebSocket endpoint /ws: sessions, resume tokens and the limits that keep one client"
                + " from hurting the others.")
public @interface GatewayConfig {

    @AttributeDefinition(name = "Grace period (s)", min = "0", max = "86400",
            description = "How long a disconnected player's session, seat and missed events are kept for a resume."
                    + " A bot plays the seat meanwhile; when the period ends the player leaves the room for good.")
    int gracePeriodSeconds() default 120;

    @AttributeDefinition(name = "Resume token lifetime (s)", min = "60", max = "31536000",
            description = "A resume token is refused after this long.")
    int tokenTtlSeconds() default 86400;

    @AttributeDefinition(name = "Largest message (bytes)", min = "256", max = "16777216",
            description = "A text message longer than this is answered with error too_large and ignored.")
    int maxMessageBytes() default 8192;

    @AttributeDefinition(name = "Largest frame (bytes)", min = "1024", max = "67108864",
            description = "A frame or message longer than this closes the connection (close code 1009).")
    int maxFrameBytes() default 65536;

    @AttributeDefinition(name = "Outbound queue limit (messages)", min = "16", max = "1000000",
            description = "Messages waiting to be written to one connection. A client that reads so slowly that more"
                    + " wait is disconnected with close code 4000; the others are unaffected.")
    int outboundQueueLimit() default 1024;

    @AttributeDefinition(name = "Idle timeout (s)", min = "5", max = "86400",
            description = "A connection from which nothing (not even a pong) arrives for this long is closed (4002).")
    int idleTimeoutSeconds() default 60;

    @AttributeDefinition(name = "Ping interval (s)", min = "1", max = "3600",
            description = "The server pings every connection this often.")
    int pingIntervalSeconds() default 15;

    @AttributeDefinition(name = "Messages per second", min = "1", max = "100000",
            description = "Per-connection message budget: sustained rate. Messages over budget get error rate_limited.")
    int messagesPerSecond() default 20;

    @AttributeDefinition(name = "Message burst", min = "1", max = "1000000",
            description = "Per-connection message budget: burst size.")
    int messageBurst() default 40;

    @AttributeDefinition(name = "Flood limit", min = "1", max = "1000000",
            description = "A connection that sends this many messages over its budget within 10 seconds is closed (4003).")
    int floodLimit() default 100;

    @AttributeDefinition(name = "Replay buffer (events)", min = "0", max = "1000000",
            description = "Events kept per disconnected player for a resume; beyond this the player gets a snapshot.")
    int replayBufferEvents() default 1024;

    @AttributeDefinition(name = "Outbound queue limit (bytes)",
            description = "Bytes waiting to be written to one connection. A client that lets more pile up (for"
                    + " example by asking for large lobby pages without reading them) is disconnected with close code"
                    + " 4000; the others are unaffected.", min = "16384", max = "1073741824")
    int outboundQueueBytes() default 1048576;

    @AttributeDefinition(name = "Outbound bytes, whole gateway (MiB)",
            description = "Bytes waiting to be written to all connections together. Past this, every connection holding"
                    + " more than 64 KiB of it is closed as a slow reader (4000). 0: a quarter of the JVM's maximum heap.",
            min = "0", max = "65536")
    int outboundTotalMegabytes() default 0;

    @AttributeDefinition(name = "Maximum connections",
            description = "WebSocket upgrades beyond this many open connections are refused with HTTP 503. 0: derived"
                    + " from the process's file-descriptor limit (the limit less a tenth, at least 256, kept for files"
                    + " and other sockets); both numbers are logged at start.", min = "0", max = "1000000")
    int maxConnections() default 0;

    @AttributeDefinition(name = "Maximum connections per address",
            description = "WebSocket upgrades from one IP address beyond this many open connections are refused with"
                    + " HTTP 429. Behind a reverse proxy every player shares the proxy's address: raise it there.",
            min = "1", max = "10000000")
    int maxConnectionsPerAddress() default 64;

    @AttributeDefinition(name = "Allowed origins",
            description = "Browser pages allowed to open /ws, as origins (https://play.example.com) or * for any."
                    + " A page of this server's own origin is always allowed, and so are clients that send no Origin"
                    + " header (native clients, tools). Others are refused with HTTP 403.")
    String[] allowedOrigins() default {};

    @AttributeDefinition(name = "Allowed host names",
            description = "When a connection arrives on a loopback address, its Host header must name localhost, a"
                    + " loopback address or one of these names (defence against DNS rebinding); others get HTTP 403.")
    String[] allowedHosts() default {};

    @AttributeDefinition(name = "Lobby threads", min = "1", max = "256",
            description = "Threads for lobby requests, which wait for the event store (join, create, start...).")
    int lobbyThreads() default 8;
}
