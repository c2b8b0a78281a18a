package dev.ludus.rooms;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.ludus.api.game.Action;
import dev.ludus.api.game.ActionResult;
import dev.ludus.api.game.ActionSpec;
import dev.ludus.api.game.GameDefinition;
import dev.ludus.api.game.GameEngine;
import dev.ludus.api.game.GameEvent;
import dev.ludus.api.game.GameSetup;
import dev.ludus.api.game.TimerRequest;

/**
 * A tiny deterministic game for testing the runtime: two seats take turns adding 1 to 3 to a
 * total; whoever reaches the target wins. A turn left alone for {@code turnMillis} adds 1 for the
 * player (a SYSTEM timer action).
 */
final class CountGame implements GameDefinition {

    final String type;
    /** What {@link #actions()} declares; nothing unless a test sets it. */
    volatile List<ActionSpec> declared = List.of();

    CountGame(String type) {
        this.type = type;
    }

    @Override public String type() { return type; }
    @Override public String displayName() { return "Count"; }
    @Override public int minSeats() { return 2; }
    @Override public int maxSeats() { return 2; }
    @Override public List<ActionSpec> actions() { return declared; }

    @Override
    public GameEngine create(GameSetup setup) {
        int target = Integer.parseInt(setup.options().getOrDefault("target", "21"));
        if (target < 3 || target > 1000) {
            throw new IllegalArgumentException("target must be from 3 to 1000");
        }
        return new Engine(setup, target, 0, (int) Math.floorMod(setup.seed(), 2), 0);
    }

    @Override
    public GameEngine restore(GameSetup setup, byte[] snapshot) {
        ByteBuffer b = ByteBuffer.wrap(snapshot);
        if (snapshot.length != 20 || b.getInt() != 0xC0DE) {
            throw new IllegalArgumentException("not a count snapshot");
        }
        return new Engine(setup, b.getInt(), b.getInt(), b.getInt(), b.getInt());
    }

    static final class Engine implements GameEngine {
        final GameSetup setup;
        final int target;
        int total;
        int turn;
        int version;

        Engine(GameSetup setup, int target, int total, int turn, int version) {
            this.setup = setup;
            this.target = target;
            this.total = total;
            this.turn = turn;
            this.version = version;
        }

        @Override public GameSetup setup() { return setup; }
        @Override public long version() { return version; }

        @Override
        public ActionResult apply(Action a) {
            if (completed()) {
                return new ActionResult.Rejected("game_over", "over");
            }
            int n;
            if (a.seat() == Action.SYSTEM && a.type().equals("timeout")) {
                n = 1;
            } else if (a.seat() != turn) {
                return new ActionResult.Rejected("not_your_turn", "seat " + turn + " moves");
            } else if (!a.type().equals("add") || !(a.args().get("n") instanceof Number num)
                    || num.intValue() < 1 || num.intValue() > 3) {
                return new ActionResult.Rejected("illegal_action", "add 1 to 3");
            } else {
                n = num.intValue();
            }
            int mover = turn;
            total += n;
            version++;
            turn = 1 - turn;
            return new ActionResult.Accepted(List.of(
                    new GameEvent("added", GameEvent.EVERYONE, Map.of("seat", mover, "n", n, "total", total)),
                    new GameEvent("secret", mover, Map.of("note", "only seat " + mover))));
        }

        @Override
        public List<String> allowedActions(int seat) {
            return !completed() && seat == turn ? List.of("add") : List.of();
        }

        @Override
        public Map<String, Object> view(int seat) {
            return Map.of("total", total, "turn", turn, "target", target);
        }

        @Override
        public Optional<Action> botAction(int seat) {
            if (allowedActions(seat).isEmpty()) {
                return Optional.empty();
            }
            int need = target - total;
            return Optional.of(new Action(seat, "add", Map.of("n", need <= 3 ? need : 1 + (total % 3))));
        }

        @Override
        public Optional<TimerRequest> pendingTimer() {
            long ms = Long.parseLong(setup.options().getOrDefault("turnMillis", "600000"));
            return completed() ? Optional.empty()
                    : Optional.of(new TimerRequest("turn", ms, new Action(Action.SYSTEM, "timeout", Map.of())));
        }

        @Override public boolean completed() { return total >= target; }

        @Override
        public Map<String, Object> result() {
            return Map.of("total", total, "winner", completed() ? 1 - turn : -1);
        }

        @Override
        public byte[] snapshot() {
            return ByteBuffer.allocate(20).putInt(0xC0DE).putInt(target).putInt(total).putInt(turn).putInt(version).array();
        }
    }
}
