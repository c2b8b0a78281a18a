package dev.ludus.rooms;

import java.util.Optional;
import java.util.function.IntPredicate;

import dev.ludus.api.game.Action;
import dev.ludus.api.game.GameEngine;
import dev.ludus.api.game.TimerRequest;
import dev.ludus.api.rooms.RoomState;

/**
 * The one thing a running game does next if nobody acts: the game's own timer fires, a bot takes
 * a seat's move after its think time, or a bot takes over from a connected player who let the
 * idle time pass. Decided by {@link #next} from the room's state alone; every deadline is an
 * absolute time counted from when the latest move was taken ({@link Room#lastMoveAt()}), which
 * the records hold, so a room restored after a restart wakes when it would have woken anyway.
 *
 * @param kind what fires
 * @param seat the seat that moves ({@link Action#SYSTEM} for the game's timer)
 * @param at   when, epoch ms
 */
record Wake(Kind kind, int seat, long at) {

    enum Kind {
        /** The game's timer ({@link GameEngine#pendingTimer()}). */
        TIMER(RoomRecord.ActionTaken.BY_TIMER),
        /** A bot's seat, or a disconnected player's, after the bots' think time. */
        BOT(RoomRecord.ActionTaken.BY_BOT),
        /** A connected player's seat, after the idle time. */
        IDLE(RoomRecord.ActionTaken.BY_IDLE);

        final String cause;

        Kind(String cause) {
            this.cause = cause;
        }
    }

    /**
     * The earliest wake-up of a room, or empty when the room waits for nothing: it is not
     * playing, its game is away, or no seat has a move. Ties go to the game's timer, then bots.
     *
     * @param botControlled whether a bot makes a seat's moves now
     * @param botThink      the bots' think time, ms
     * @param idle          how long a connected player may take, ms
     */
    static Optional<Wake> next(Room room, IntPredicate botControlled, long botThink, long idle) {
        GameEngine engine = room.engine();
        if (room.state() != RoomState.PLAYING || engine == null) {
            return Optional.empty();
        }
        long from = room.lastMoveAt();
        Wake best = null;
        Optional<TimerRequest> timer = engine.pendingTimer();
        if (timer.isPresent()) {
            best = new Wake(Kind.TIMER, Action.SYSTEM, plus(from, timer.get().delayMillis()));
        }
        boolean botSeen = false;
        boolean idleSeen = false;
        for (int seat = 0; seat < room.seatCount() && !(botSeen && idleSeen); seat++) {
            boolean bot = botControlled.test(seat);
            if ((bot && botSeen) || (!bot && idleSeen) || engine.allowedActions(seat).isEmpty()) {
                continue;
            }
            Wake w = bot ? new Wake(Kind.BOT, seat, plus(from, botThink)) : new Wake(Kind.IDLE, seat, plus(from, idle));
            botSeen |= bot;
            idleSeen |= !bot;
            if (best == null || w.at < best.at) {
                best = w;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The action this wake-up takes now, or empty if the game no longer offers one. */
    Optional<Action> action(GameEngine engine) {
        if (kind == Kind.TIMER) {
            return engine.pendingTimer().map(TimerRequest::onExpiry);
        }
        return engine.botAction(seat);
    }

    private static long plus(long at, long delay) {
        long d = Math.max(0, delay);
        return at > Long.MAX_VALUE - d ? Long.MAX_VALUE : at + d;
    }
}
