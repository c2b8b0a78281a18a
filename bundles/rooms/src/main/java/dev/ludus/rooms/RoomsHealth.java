package dev.ludus.rooms;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ludus.api.health.HealthResult;
import dev.ludus.api.rooms.RoomInfo;

/** The rooms runtime's health: counts by state, archive backlog, quarantines, recovery. */
final class RoomsHealth {

    /**
     * How long the event store may be away before the rooms count as DOWN (and not ready): a swap
     * of the store (stop and start, update, a switch of backend) takes well under a second, so
     * longer is a store that is gone (uninstalled, stopped, or failing to start).
     */
    static final long STORE_AWAY_DOWN_MILLIS = 10_000;

    private final RoomsContext ctx;
    private final Recovery recovery;

    RoomsHealth(RoomsContext ctx, Recovery recovery) {
        this.ctx = ctx;
        this.recovery = recovery;
    }

    /** How long the runtime has been without an event store, 0 while it has one. */
    long eventStoreAwayMillis() {
        long since = ctx.eventStoreGoneAt;
        return ctx.eventStore != null || since == 0 ? 0 : Math.max(0, ctx.clock.millis() - since);
    }

    HealthResult check() {
        int waiting = 0;
        int playing = 0;
        int paused = 0;
        int operatorPaused = 0;
        int finished = 0;
        int pendingArchive = 0;
        List<String> quarantined = new ArrayList<>();
        String reason = null;
        for (LiveRoom r : ctx.rooms.values()) {
            RoomInfo i = r.info;
            if (i == null) {
                continue;
            }
            switch (i.state()) {
                case WAITING -> waiting++;
                case PLAYING -> playing++;
                case PAUSED -> {
                    paused++;
                    if (i.operatorPaused()) {
                        operatorPaused++; // an operator's choice, not a fault of the node
                    } else {
                        reason = i.pauseReason();
                    }
                }
                case FINISHED -> {
                    finished++;
                    if (!r.archived) { // closed rooms are forgotten at once: a finished room here holds a game
                        pendingArchive++;
                        if (r.quarantined != null) {
                            quarantined.add(r.id);
                        }
                    }
                }
            }
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("waiting", waiting);
        d.put("playing", playing);
        d.put("paused", paused);
        d.put("operatorPaused", operatorPaused);
        d.put("finished", finished);
        d.put("pendingArchive", pendingArchive);
        d.put("acceptedActions", ctx.acceptedActions.get());
        d.put("games", ctx.games.keySet().stream().sorted().toList().toString());
        d.put("recoveredRooms", recovery.recoveredRooms());
        d.put("recoveryMillis", recovery.millis());
        d.put("finishedRoomsToRestore", ctx.asleep.size());
        d.put("closedEmptyRooms", ctx.closedRooms.get());
        d.put("stallsRepaired", ctx.stallsRepaired.get());
        d.put("slowAppends", ctx.slowAppends.get());
        long waitingOnStore = ctx.rooms.values().stream().filter(l -> l.slowAppendSince != 0).count();
        d.put("pausedBySlowStore", waitingOnStore);
        d.put("lobbyVersion", ctx.lobby.version());
        d.put("busBound", ctx.bus != null);
        d.put("quarantined", quarantined.size());
        if (!quarantined.isEmpty()) {
            quarantined.sort(null);
            d.put("quarantinedGames", quarantined.subList(0, Math.min(20, quarantined.size())).toString());
        }
        if (ctx.eventStore == null) {
            long away = eventStoreAwayMillis();
            d.put("eventStoreAwayMillis", away);
            if (away >= STORE_AWAY_DOWN_MILLIS) {
                return HealthResult.down("no event store for " + away / 1000 + " s: games are paused and no move can be"
                        + " recorded; start or install one (bundle dev.ludus.eventstore of the ludus-core feature, or"
                        + " another EventStore such as eventstore-jdbc's)", d);
            }
            return HealthResult.degraded("event store unavailable: games are paused", d);
        }
        if (ctx.games.isEmpty()) {
            return HealthResult.degraded("no game is installed: no room can be created or played (add the games "
                    + "feature, or drop a game bundle into deploy/)", d);
        }
        if (waitingOnStore > 0) {
            return HealthResult.degraded(waitingOnStore + " games paused: the event store has not made a move durable"
                    + " within " + ctx.config.slowAppendMillis() + " ms (a slow disk)", d);
        }
        if (paused > operatorPaused) {
            return HealthResult.degraded(paused - operatorPaused + " game(s) paused: " + reason, d);
        }
        if (!quarantined.isEmpty()) {
            return HealthResult.degraded(quarantined.size() + " completed game(s) quarantined, their archive hand-over "
                    + "kept failing: " + quarantined.subList(0, Math.min(5, quarantined.size()))
                    + "; raise archiveRetryQuarantined of " + RoomsContext.PID + " to retry", d);
        }
        if (pendingArchive > 0 && ctx.archive == null) {
            return HealthResult.degraded(pendingArchive + " completed game(s) wait for the archive service", d);
        }
        if (ctx.bus == null) {
            // Nothing is lost yet: a finished game is announced once a bus binds. But statistics
            // and webhooks hear of no game meanwhile, and an archived game still unannounced after
            // an hour is given up.
            RoomsConfig c = ctx.config;
            return HealthResult.degraded("no message bus matches bus.target " + (c == null ? "" : c.bus_target())
                    + " of " + RoomsContext.PID + ": finished games are not announced (statistics, webhooks) until one"
                    + " does; install its feature or correct the filter", d);
        }
        return HealthResult.up(d);
    }
}
