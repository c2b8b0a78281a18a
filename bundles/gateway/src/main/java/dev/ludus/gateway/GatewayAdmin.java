package dev.ludus.gateway;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ludus.api.gateway.PlayerControl;
import dev.ludus.api.gateway.PlayerDirectory;
import dev.ludus.api.gateway.PlayerSessionInfo;
import dev.ludus.api.gateway.RateLimitControl;
import dev.ludus.api.gateway.RateLimitStatus;

/**
 * The gateway's services for operators: its players ({@link PlayerDirectory}), disconnecting
 * one ({@link PlayerControl}), and the players' rate limits ({@link RateLimitControl}). Registered by {@link WebSocketGateway} for as long as it is active;
 * reads whichever {@link Gateway} is current.
 */
final class GatewayAdmin implements PlayerDirectory, PlayerControl, RateLimitControl {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayAdmin.class);
    /** A WebSocket close reason may hold at most 123 bytes of UTF-8. */
    private static final int MAX_REASON_BYTES = 120;

    private final Supplier<Gateway> gateway;

    GatewayAdmin(Supplier<Gateway> gateway) {
        this.gateway = gateway;
    }

    @Override
    public List<PlayerSessionInfo> players() {
        Gateway g = gateway.get();
        return g == null ? List.of() : GatewayPlayers.of(g);
    }

    @Override
    public boolean disconnect(String playerId, String reason) {
        if (reason == null || reason.isBlank() || reason.length() > MAX_REASON
                || reason.codePoints().anyMatch(Gateway::hidesText)) {
            throw new IllegalArgumentException("reason must be 1 to " + MAX_REASON
                    + " characters without control characters or bidirectional overrides");
        }
        Gateway g = gateway.get();
        PlayerSession p = g == null || playerId == null ? null : g.session(playerId);
        Connection c = p == null ? null : p.connection();
        if (c == null) {
            return false;
        }
        LOG.info("gateway: player {} disconnected by an operator ({}): {}", playerId, CLOSE_DISCONNECTED, reason);
        c.close(Codes.CLOSE_OPERATOR, fit(reason.strip()));
        return true;
    }

    @Override
    public RateLimitStatus status() {
        Gateway g = gateway.get();
        return g == null ? new RateLimitStatus("off", null, List.of(), List.of(), List.of(), java.util.Map.of(), java.util.Map.of())
                : g.rateLimits.status(g.nowMillis());
    }

    @Override
    public boolean unban(String playerId) {
        Gateway g = gateway.get();
        if (g == null || playerId == null || playerId.isBlank()) {
            return false;
        }
        boolean was = g.rateLimits.unban(playerId.strip(), g.nowMillis());
        if (was) {
            LOG.info("gateway: player {} unbanned by an operator", playerId.strip());
        }
        return was;
    }

    /** The reason cut to what a close frame carries, never inside a character. */
    static String fit(String reason) {
        String r = reason;
        while (r.getBytes(StandardCharsets.UTF_8).length > MAX_REASON_BYTES) {
            r = r.substring(0, r.offsetByCodePoints(0, r.codePointCount(0, r.length()) - 1));
        }
        return r;
    }
}
