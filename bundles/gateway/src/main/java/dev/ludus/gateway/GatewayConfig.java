package dev.ludus.gateway;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

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
            description = "The server pings each connection this often, when it has been silent for half of it; "
                    + "the pings of all connections are spread over the interval.")
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

    @AttributeDefinition(name = "Resume key", type = org.osgi.service.metatype.annotations.AttributeType.PASSWORD,
            required = false,
            description = "Base64 of at least 32 random bytes that sign players' resume tokens; give every node of a cluster"
                    + " the same, so a token is good on any node. Empty: a key made on first start and kept in"
                    + " <ludus.data>/gateway/resume.key. Read at activation. Stored in property .resumeKey (never a"
                    + " service property, never logged).")
    String _resumeKey() default "";

    @AttributeDefinition(name = "Allowed origins",
            description = "Browser pages allowed to open /ws, as origins (https://play.example.com) or * for any."
                    + " A page of this server's own origin is always allowed, and so are clients that send no Origin"
                    + " header (native clients, tools). Others are refused with HTTP 403.")
    String[] allowedOrigins() default {};

    @AttributeDefinition(name = "Allowed host names",
            description = "When a connection arrives on a loopback address, its Host header must name localhost, a"
                    + " loopback address or one of these names (defence against DNS rebinding); others get HTTP 403.")
    String[] allowedHosts() default {};

    @AttributeDefinition(name = "Drain time (ms)", min = "0", max = "60000",
            description = "When the gateway stops (SIGTERM, the console's Stop button, an update), it first refuses new"
                    + " players, rooms and actions (error draining) and waits up to this long for the actions already"
                    + " handed to the rooms to be answered; then it closes every connection with 1012. Keep it below"
                    + " the node's stop timeout (9 s by default).")
    int drainMillis() default 3000;

    @AttributeDefinition(name = "Lobby threads", min = "1", max = "256",
            description = "Threads for lobby requests, which wait for the event store (join, create, start...).")
    int lobbyThreads() default 8;

    // ---------------------------------------------------------------- load shedding (docs/protocol.md, "Load shedding")

    @AttributeDefinition(name = "Load shedding", options = {
            @Option(label = "on: refuse new work while the node is overloaded", value = "on"),
            @Option(label = "shadow: say when it would, refuse nothing", value = "shadow"),
            @Option(label = "off: never", value = "off")},
            description = "While a pressure signal is over its threshold (half a second in a row), new connections get"
                    + " 503 and new players, create_room and join_room get 'overloaded' with retryAfterMillis; running"
                    + " games, resumes and actions go on. It ends once every signal has stayed under 80 % of its"
                    + " threshold for a second.")
    String shedding() default "on";

    @AttributeDefinition(name = "Shed above action p99 (ms)", min = "0", max = "600000",
            description = "The 99th percentile of the actions answered in the last 250 ms (arrival to reply). 0: not"
                    + " watched.")
    int shedActionP99Millis() default 250;

    @AttributeDefinition(name = "Shed above executor lag (ms)", min = "0", max = "600000",
            description = "How long a task waits for the gateway's request threads. 0: not watched.")
    int shedExecutorLagMillis() default 250;

    @AttributeDefinition(name = "Shed above outbound (%)", min = "0", max = "100",
            description = "Bytes waiting to be written to players, in percent of the gateway's bound"
                    + " (outboundTotalMegabytes). 0: not watched.")
    int shedOutboundPercent() default 75;

    @AttributeDefinition(name = "Shed above heap after GC (%)", min = "0", max = "100",
            description = "The heap the last collection left in use, in percent of the maximum. 0: not watched.")
    int shedHeapAfterGcPercent() default 90;

    @AttributeDefinition(name = "Shed above fsync (ms)", min = "0", max = "600000",
            description = "The event store's mean fsync time over the last 250 ms. 0: not watched.")
    int shedFsyncMillis() default 200;

    @AttributeDefinition(name = "New rooms per reading (% of the rooms in play)", min = "0", max = "1000",
            description = "Admission by capacity: every 250 ms the node takes at most this share of the rooms in play"
                    + " as new rooms (create_room), and at least 'New rooms per reading, at least'; more are refused"
                    + " with 'overloaded' and a short retryAfterMillis. So new load comes in steps that a reading sees"
                    + " before the next. 0: new rooms are not paced. Follows the shedding mode (shadow counts only).")
    int admitRoomsPercent() default 25;

    @AttributeDefinition(name = "New rooms per reading, at least", min = "1", max = "1000000",
            description = "The smallest window of new rooms per 250 ms, however few rooms are in play.")
    int admitRoomsMin() default 8;

    @AttributeDefinition(name = "No new rooms above (ms)", min = "0", max = "600000",
            description = "While the last reading's action p99 or executor lag is over this, no new room is taken:"
                    + " the games under way are slowing down. 0: only the overloaded state closes admission.")
    int admitTargetMillis() default 25;

    @AttributeDefinition(name = "No new rooms above CPU (%)", min = "0", max = "100",
            description = "While the node's process used more than this share of its processors in the last 250 ms,"
                    + " no new room is taken: rooms once started cannot be sent away, so new ones wait for room on the"
                    + " CPU. 0: not watched.")
    int admitCpuPercent() default 80;

    @AttributeDefinition(name = "New connections per reading (% of those open)", min = "0", max = "1000",
            description = "Every 250 ms the node takes at most this share of the connections open as new WebSocket"
                    + " connections, and at least 'New connections per reading, at least'; more get 503 with Retry-After"
                    + " (1 s). A crowd connecting at once is so taken in over a few readings instead of stalling the games"
                    + " under way. 0: not paced. Follows the shedding mode.")
    int admitConnectionsPercent() default 25;

    @AttributeDefinition(name = "New connections per reading, at least", min = "1", max = "1000000",
            description = "The smallest window of new connections per 250 ms, however few are open.")
    int admitConnectionsMin() default 64;

    // ---------------------------------------------------------------- rate limits (docs/protocol.md, "Rate limits")

    @AttributeDefinition(name = "Rate limits", options = {
            @Option(label = "enforce: refuse what the limits refuse", value = "enforce"),
            @Option(label = "shadow: count what they would refuse, refuse nothing", value = "shadow"),
            @Option(label = "off: do not ask the limiter", value = "off")},
            description = "Whether the players' rate limits below are enforced. A single policy is put in shadow mode by"
                    + " adding 'shadow' to its text.")
    String limits() default "enforce";

    @AttributeDefinition(name = "Rate limiter (target)",
            description = "Which RateLimiter service keeps the buckets, as a filter on its properties:"
                    + " (ludus.limiter=local) for this node's memory, (ludus.limiter=redis) for buckets every node shares;"
                    + " (ludus.limiter=*): any. Changing it switches the limiter live.")
    String limiter_target() default "(ludus.limiter=*)";

    @AttributeDefinition(name = "Message bus (target)",
            description = "The bus players' connections and disconnections are announced on (player.connected,"
                    + " player.disconnected), as a filter: (ludus.bus=local), (ludus.bus=nats), ... Changing it switches"
                    + " buses live. Announcements are best effort: without a bus, or when it refuses, none is made.")
    String bus_target() default "(ludus.bus=local)";

    @AttributeDefinition(name = "Cache (target)",
            description = "Where replies to replay requests are kept once written, as a filter on the Caches services:"
                    + " (ludus.cache=caffeine) in this node's memory, (ludus.cache=redis) or (ludus.cache=two-level) shared"
                    + " with every node. Changing it switches caches live; without a match, every replay reads the archive.")
    String cache_target() default "(ludus.cache=caffeine)";

    @AttributeDefinition(name = "Without a limiter", options = {
            @Option(label = "open: allow requests (health says the limits are not enforced)", value = "open"),
            @Option(label = "closed: refuse limited requests with rate_limited", value = "closed")},
            description = "What limited requests get while no rate limiter is bound or the bound one fails.")
    String limitsWithoutLimiter() default "open";

    @AttributeDefinition(name = "Limit: create_room (per player)",
            description = "TOKENS/PERIOD [burst N] [block DURATION] [shadow], or off. Example: 5/1m block 5m: five rooms a"
                    + " minute; refused twice in a row, refused for five minutes.")
    String limitCreateRoom() default "5/1m block 5m";

    @AttributeDefinition(name = "Limit: join_room (per player)", description = "As for create_room.")
    String limitJoinRoom() default "10/1m";

    @AttributeDefinition(name = "Limit: start (per player)", description = "As for create_room.")
    String limitStart() default "3/1m block 10m";

    @AttributeDefinition(name = "Limit: act (per player)",
            description = "Game actions that have no limit of their own below. As for create_room.")
    String limitAct() default "120/1m burst 30";

    @AttributeDefinition(name = "Limits of game actions (per player)",
            description = "ACTION=LIMIT entries separated by commas, for example declare=5/1m, play=20/1m;"
                    + " ACTION=off lifts the act limit from one action.")
    String limitActions() default "";

    @AttributeDefinition(name = "Limit: ping (per player)", description = "As for create_room.")
    String limitPing() default "120/1m";

    @AttributeDefinition(name = "Limit: messages per room",
            description = "Game actions of all the players of one room together. As for create_room.")
    String limitRoomMessages() default "300/1m burst 60";

    @AttributeDefinition(name = "Limit: messages per player",
            description = "Every request of one player, over all their connections: a player who reconnects keeps the"
                    + " budget they had. Each connection also has its own budget (messages per second, burst).")
    String limitPlayerMessages() default "20/1s burst 40";

    @AttributeDefinition(name = "Limit: hello per address",
            description = "New sessions and resumes from one IP address (the burst matches the default of 64 connections per"
                    + " address, so all of them can resume at once after a restart). Behind a reverse proxy every player shares the"
                    + " proxy's address: raise it there.")
    String limitHelloPerAddress() default "120/1m burst 64";

    @AttributeDefinition(name = "Warn after (refusals)", min = "1", max = "1000000",
            description = "A player refused this many times within a minute is also sent a warning.")
    int limitWarnAt() default 3;

    @AttributeDefinition(name = "Close after (refusals)", min = "1", max = "1000000",
            description = "A player refused this many times within a minute has the connection closed (4003).")
    int limitCloseAt() default 10;

    @AttributeDefinition(name = "Ban after (closes)", min = "0", max = "1000000",
            description = "A player closed this many times for refusals within ten minutes is banned. 0: never.")
    int banAfterCloses() default 3;

    @AttributeDefinition(name = "Ban (s)", min = "0", max = "31536000",
            description = "How long a ban lasts: hello and every request of the player is refused with banned.")
    int banSeconds() default 600;
}
