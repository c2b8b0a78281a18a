package dev.ludus.gateway;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.ludus.api.game.Action;
import dev.ludus.api.game.ActionResult;
import dev.ludus.api.game.GameDefinition;
import dev.ludus.api.game.GameEngine;
import dev.ludus.api.game.GameEvent;
import dev.ludus.api.game.GameSetup;
import dev.ludus.api.game.TimerRequest;

/**
 * A small deterministic four-seat game for the gateway's tests: seats take turns (from seat 0)
 * adding 1 to 3 to a total; whoever brings it to the target wins. Each move also sends the mover a
 * private event, so tests can check that nobody sees another seat's secrets.
 */
final class TurnGame implements GameDefinition {

    static final String TYPE = "turns";

    @Override public String type() { return TYPE; }
    @Override public String displayName() { return "Turns"; }
    @Override public int minSeats() { return 2; }
    @Override public int maxSeats() { return 4; }

    @Override
    public GameEngine create(GameSetup setup) {
        int target;
        try {
            target = Integer.parseInt(setup.options().getOrDefault("target", "30"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("target must be a number");
        }
        if (target < 3 || target > 100_000) {
            throw new IllegalArgumentException("target must be from 3 to 100000");
        }
        return new Engine(setup, target, 0, 0, 0);
    }

    @Override
    public GameEngine restore(GameSetup setup, byte[] snapshot) {
        ByteBuffer b = ByteBuffer.wrap(snapshot);
        return new Engine(setup, b.getInt(), b.getInt(), b.getInt(), b.getInt());
    }

    static final class Engine implements GameEngine {
        private final GameSetup setup;
        private final int target;
        private int total;
        private int turn;
        private int version;

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
                return new ActionResult.Rejected("game_over", "the game is over");
            }
            if (a.seat() != turn) {
                return new ActionResult.Rejected("not_your_turn", "seat " + turn + " moves now");
            }
            if (!a.type().equals("add") || !(a.args().get("n") instanceof Number n) || n.intValue() < 1
                    || n.intValue() > 3 || n.doubleValue() != n.intValue()) {
                return new ActionResult.Rejected("illegal_action", "add 1 to 3: {\"n\": 2}");
            }
            int mover = turn;
            total += n.intValue();
            version++;
            turn = (turn + 1) % setup.seats();
            List<GameEvent> events = new ArrayList<>();
            events.add(new GameEvent("added", GameEvent.EVERYONE, Map.of("seat", mover, "n", n.intValue(), "total", total)));
            events.add(new GameEvent("secret", mover, Map.of("seat", mover, "note", "for seat " + mover + " only")));
            if (completed()) {
                events.add(new GameEvent("won", GameEvent.EVERYONE, Map.of("seat", mover)));
            }
            return new ActionResult.Accepted(events);
        }

        @Override
        public List<String> allowedActions(int seat) {
            return !completed() && seat == turn ? List.of("add") : List.of();
        }

        @Override
        public Map<String, Object> view(int seat) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("total", total);
            v.put("target", target);
            v.put("turn", turn);
            v.put("seat", seat);
            return v;
        }

        @Override
        public Optional<Action> botAction(int seat) {
            if (allowedActions(seat).isEmpty()) {
                return Optional.empty();
            }
            int need = target - total;
            return Optional.of(new Action(seat, "add", Map.of("n", need <= 3 ? need : 1 + total % 3)));
        }

        @Override
        public Optional<TimerRequest> pendingTimer() {
            return Optional.empty();
        }

        @Override
        public boolean completed() {
            return total >= target;
        }

        @Override
        public Map<String, Object> result() {
            return Map.of("total", total, "winner", completed() ? Math.floorMod(turn - 1, setup.seats()) : -1);
        }

        @Override
        public byte[] snapshot() {
            return ByteBuffer.allocate(16).putInt(target).putInt(total).putInt(turn).putInt(version).array();
        }
    }
}
