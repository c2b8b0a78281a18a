package dev.ludus.gateway;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import dev.ludus.api.gateway.PlayerSessionInfo;

/** What {@link dev.ludus.api.gateway.PlayerDirectory#players()} answers, read from a gateway's sessions. */
final class GatewayPlayers {

    private GatewayPlayers() {
    }

    static List<PlayerSessionInfo> of(Gateway g) {
        long now = g.nowMillis();
        long graceMillis = g.config().gracePeriodSeconds() * 1000L;
        List<PlayerSessionInfo> list = new ArrayList<>();
        for (PlayerSession p : g.sessions()) {
            if (p.ended()) {
                continue;
            }
            Connection c = p.connection();
            long away = p.detachedFor(now);
            Instant awaySince = c == null && away >= 0 ? Instant.ofEpochMilli(now - away) : null;
            list.add(new PlayerSessionInfo(p.playerId, p.name(), p.roomId(), c != null,
                    c == null ? null : Instant.ofEpochMilli(c.openedAtMillis),
                    awaySince, awaySince == null ? null : awaySince.plusMillis(graceMillis),
                    c == null ? null : c.remote,
                    c == null ? 0 : c.counts.messagesIn(), c == null ? 0 : c.counts.bytesIn(),
                    c == null ? 0 : c.counts.messagesOut(), c == null ? 0 : c.counts.bytesOut(),
                    c == null ? 0 : c.pendingMessages(), c == null ? 0 : c.pendingBytes(), p.seq()));
        }
        list.sort(Comparator.comparing(PlayerSessionInfo::playerId));
        return list;
    }
}
