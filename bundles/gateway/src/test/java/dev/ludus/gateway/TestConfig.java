package dev.ludus.gateway;

import java.lang.annotation.Annotation;

/** Gateway settings for tests: the defaults, with fields a test may change before use. */
final class TestConfig implements GatewayConfig {
    int grace = 120;
    String resumeKey = "";
    int tokenTtl = 86400;
    int maxMessage = 8192;
    int maxFrame = 65536;
    int outbound = 1024;
    int idle = 60;
    int ping = 15;
    int perSecond = 20;
    int burst = 40;
    int flood = 100;
    int replay = 1024;
    int outboundBytes = 1 << 20;
    int outboundTotalMb = 0;
    int maxConnections = 0;
    int perAddress = 64;
    String[] origins = {};
    String[] hosts = {};
    int lobbyThreads = 4;
    String limits = "enforce";
    String limiterTarget = "(ludus.limiter=*)";
    String withoutLimiter = "open";
    String createRoom = "5/1m block 5m";
    String joinRoom = "10/1m";
    String start = "3/1m block 10m";
    String act = "120/1m burst 30";
    String actions = "";
    String pingLimit = "120/1m";
    String roomMessages = "300/1m burst 60";
    String playerMessages = "20/1s burst 40";
    String helloPerAddress = "120/1m burst 64";
    int warnAt = 3;
    int closeAt = 10;
    int banAfter = 3;
    int banSeconds = 600;
    int drainMillis = 3000;
    String shedding = "on";
    int shedActionP99Millis = 250;
    int shedExecutorLagMillis = 250;
    int shedOutboundPercent = 75;
    int shedHeapAfterGcPercent = 90;
    int shedFsyncMillis = 200;
    int admitRoomsPercent = 25;
    int admitRoomsMin = 8;
    int admitTargetMillis = 25;
    int admitCpuPercent = 0; // 80 in production; here the "node" is the test JVM, whose CPU is the whole build's
    int admitConnectionsPercent = 25;
    int admitConnectionsMin = 64;

    @Override public Class<? extends Annotation> annotationType() { return GatewayConfig.class; }
    @Override public String _resumeKey() { return resumeKey; }
    @Override public int gracePeriodSeconds() { return grace; }
    @Override public int tokenTtlSeconds() { return tokenTtl; }
    @Override public int maxMessageBytes() { return maxMessage; }
    @Override public int maxFrameBytes() { return maxFrame; }
    @Override public int outboundQueueLimit() { return outbound; }
    @Override public int idleTimeoutSeconds() { return idle; }
    @Override public int pingIntervalSeconds() { return ping; }
    @Override public int messagesPerSecond() { return perSecond; }
    @Override public int messageBurst() { return burst; }
    @Override public int floodLimit() { return flood; }
    @Override public int replayBufferEvents() { return replay; }
    @Override public int outboundQueueBytes() { return outboundBytes; }
    @Override public int outboundTotalMegabytes() { return outboundTotalMb; }
    @Override public int maxConnections() { return maxConnections; }
    @Override public int maxConnectionsPerAddress() { return perAddress; }
    @Override public String[] allowedOrigins() { return origins; }
    @Override public String[] allowedHosts() { return hosts; }
    @Override public int lobbyThreads() { return lobbyThreads; }
    @Override public String limits() { return limits; }
    @Override public String limiter_target() { return limiterTarget; }
    @Override public String bus_target() { return "(ludus.bus=local)"; }
    @Override public String cache_target() { return "(ludus.cache=caffeine)"; }
    @Override public String limitsWithoutLimiter() { return withoutLimiter; }
    @Override public String limitCreateRoom() { return createRoom; }
    @Override public String limitJoinRoom() { return joinRoom; }
    @Override public String limitStart() { return start; }
    @Override public String limitAct() { return act; }
    @Override public String limitActions() { return actions; }
    @Override public String limitPing() { return pingLimit; }
    @Override public String limitRoomMessages() { return roomMessages; }
    @Override public String limitPlayerMessages() { return playerMessages; }
    @Override public String limitHelloPerAddress() { return helloPerAddress; }
    @Override public int limitWarnAt() { return warnAt; }
    @Override public int limitCloseAt() { return closeAt; }
    @Override public int banAfterCloses() { return banAfter; }
    @Override public int banSeconds() { return banSeconds; }
    @Override public int drainMillis() { return drainMillis; }
    @Override public String shedding() { return shedding; }
    @Override public int shedActionP99Millis() { return shedActionP99Millis; }
    @Override public int shedExecutorLagMillis() { return shedExecutorLagMillis; }
    @Override public int shedOutboundPercent() { return shedOutboundPercent; }
    @Override public int shedHeapAfterGcPercent() { return shedHeapAfterGcPercent; }
    @Override public int shedFsyncMillis() { return shedFsyncMillis; }
    @Override public int admitRoomsPercent() { return admitRoomsPercent; }
    @Override public int admitRoomsMin() { return admitRoomsMin; }
    @Override public int admitTargetMillis() { return admitTargetMillis; }
    @Override public int admitCpuPercent() { return admitCpuPercent; }
    @Override public int admitConnectionsPercent() { return admitConnectionsPercent; }
    @Override public int admitConnectionsMin() { return admitConnectionsMin; }
}
