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

    @AttributeDefinition(name = "Maximum connections", min = "1", max = "1000000",
            description = "WebSocket upgrades beyond this many open connections are refused with HTTP 503.")
    int maxConnections() default 20000;

    @AttributeDefinition(name = "Lobby threads", min = "1", max = "256",
            description = "Threads for lobby requests, which wait for the event store (join, create, start...).")
    int lobbyThreads() default 8;
}
