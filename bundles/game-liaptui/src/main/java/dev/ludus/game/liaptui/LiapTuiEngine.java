package dev.ludus.game.liaptui;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.ludus.api.game.Action;
import dev.ludus.api.game.ActionResult;
import dev.ludus.api.game.GameEngine;
import dev.ludus.api.game.GameEvent;
import dev.ludus.api.game.GameSetup;
import dev.ludus.api.game.OpeningEvents;
import dev.ludus.api.game.TimerRequest;

/**
 * One game of Liap Tui. A pure function of the setup (its seed deals every hand) and the accepted
 * actions; see the bundle README for the action vocabulary, the view and the events.
 *
 * <p>Not thread safe: the runtime confines an engine to one thread at a time.
 */
final class LiapTuiEngine implements GameEngine, OpeningEvents {

    static final String TYPE = "liap-tui";
    static final int SEATS = 4;

    // Action types.
    static final String REDEAL_REQUEST = "redeal_request";
    static final String REDEAL_DECLINE = "redeal_decline";
    static final String REDEAL_TIMEOUT = "redeal_timeout";
    static final String DECLARE = "declare";
    static final String PLAY = "play";

    // Rejection codes.
    static final String NOT_YOUR_TURN = "not_your_turn";
    static final String ILLEGAL_ACTION = "illegal_action";
    static final String BAD_ARGUMENTS = "bad_arguments";
    static final String UNKNOWN_ACTION = "unknown_action";
    static final String GAME_OVER = "game_over";

    /** The redeal timer's name. */
    static final String REDEAL_TIMER = "redeal_answer";

    /**
     * Phases the game can rest in. TURN_RESULT and SCORING of the rules are instantaneous: the
     * action that completes a turn or a round passes through them, and their outcome is reported
     * by the {@code turn_won} and {@code round_scored} events and by {@code lastTurn} and
     * {@code lastRound} in the view. WAITING (seats filling) belongs to the room, before
     * the engine exists.
     */
    enum Phase { PREPARATION, DECLARATION, TURN, GAME_OVER }

    /** One seat's pieces in the current turn; {@code competes} if it matches the lead's type. */
    record TurnPlay(int seat, Play play, boolean competes) { }

    /** A finished turn, kept for display. */
    record CompletedTurn(int number, List<TurnPlay> plays, int winner) { }

    /** A scored round, kept for display. */
    record RoundSummary(int round, int multiplier, int[] declared, int[] won, int[] delta) { }

    private final GameSetup setup;
    private final LiapTuiOptions options;
    private final Dealer dealer;

    // The whole state; SnapshotCodec writes and reads exactly these fields.
    long version;
    Phase phase;
    int round;
    /** 0 for the round's first deal, +1 per redeal. */
    int deal;
    int multiplier;
    /** Starter of the current round (who the redeal offers and the declarations start from). */
    int starter;
    /** In PREPARATION, the seat whose redeal offer is open. */
    int askSeat;
    /** Winner of the latest completed turn, -1 before the first; the next round's starter. */
    int lastTurnWinner;
    final int[][] hands = new int[SEATS][Piece.KINDS];
    /** Piles declared this round, -1 while not declared. */
    final int[] declared = new int[SEATS];
    /** Consecutive previous rounds, up to 2, in which the seat declared 0. */
    final int[] zeroStreak = new int[SEATS];
    final int[] won = new int[SEATS];
    final int[] scores = new int[SEATS];
    /** Rounds in which each seat won exactly the piles it declared. */
    final int[] exact = new int[SEATS];
    /** False for a game restored from a snapshot older than {@link #exact} (its count is unknown). */
    boolean exactKnown = true;
    int turnNumber;
    int leader;
    final List<TurnPlay> plays = new ArrayList<>(SEATS);
    CompletedTurn lastTurn;
    RoundSummary lastRound;
    /** What {@link #start} dealt, for {@link #openingEvents()}; not part of the state. */
    private List<GameEvent> opening = List.of();

    /** A fresh game: deals round 1. */
    static LiapTuiEngine start(GameSetup setup, LiapTuiOptions options, Dealer dealer) {
        LiapTuiEngine e = new LiapTuiEngine(setup, options, dealer);
        List<GameEvent> events = new ArrayList<>();
        e.startRound(events);
        e.opening = List.copyOf(events);
        return e;
    }

    /** An engine with no state yet; {@link SnapshotCodec} fills it in. */
    LiapTuiEngine(GameSetup setup, LiapTuiOptions options, Dealer dealer) {
        if (setup.seats() != SEATS) {
            throw new IllegalArgumentException("Liap Tui needs exactly " + SEATS + " seats, got " + setup.seats());
        }
        this.setup = setup;
        this.options = options;
        this.dealer = dealer;
        this.lastTurnWinner = -1;
        Arrays.fill(declared, -1);
    }

    LiapTuiOptions options() {
        return options;
    }

    /** The first round's start and deal; empty for an engine restored from a snapshot. */
    @Override
    public List<GameEvent> openingEvents() {
        return opening;
    }

    @Override
    public GameSetup setup() {
        return setup;
    }

    @Override
    public long version() {
        return version;
    }

    @Override
    public boolean completed() {
        return phase == Phase.GAME_OVER;
    }

    // ------------------------------------------------------------------ actions

    /** A refusal, thrown before any state is touched and turned into {@link ActionResult.Rejected}. */
    private static final class Rejection extends Exception {
        private static final long serialVersionUID = 1L;
        final String code;

        Rejection(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    @Override
    public ActionResult apply(Action action) {
        if (action == null) {
            return new ActionResult.Rejected(BAD_ARGUMENTS, "no action");
        }
        List<GameEvent> events = new ArrayList<>();
        try {
            if (phase == Phase.GAME_OVER) {
                throw new Rejection(GAME_OVER, "the game is over");
            }
            int seat = action.seat();
            if (seat != Action.SYSTEM && (seat < 0 || seat >= SEATS)) {
                throw new Rejection(BAD_ARGUMENTS, "there is no seat " + seat + "; seats are 0 to 3");
            }
            switch (action.type()) {
                case REDEAL_REQUEST -> answerRedeal(seat, true, events);
                case REDEAL_DECLINE -> answerRedeal(seat, false, events);
                case REDEAL_TIMEOUT -> redealTimeout(seat, action.args(), events);
                case DECLARE -> declare(seat, action.args(), events);
                case PLAY -> play(seat, action.args(), events);
                default -> throw new Rejection(UNKNOWN_ACTION, "unknown action type \"" + action.type()
                        + "\"; Liap Tui knows redeal_request, redeal_decline, declare, play");
            }
        } catch (Rejection r) {
            return new ActionResult.Rejected(r.code, r.getMessage());
        }
        version++;
        return new ActionResult.Accepted(events);
    }

    private void answerRedeal(int seat, boolean request, List<GameEvent> events) throws Rejection {
        if (phase != Phase.PREPARATION) {
            throw new Rejection(ILLEGAL_ACTION, "no redeal offer is open in phase " + phase);
        }
        if (seat != askSeat) {
            throw new Rejection(NOT_YOUR_TURN, "the redeal offer is to seat " + askSeat);
        }
        if (request) {
            requestRedeal(seat, events);
        } else {
            declineRedeal(seat, false, events);
        }
    }

    private void redealTimeout(int seat, Map<String, Object> args, List<GameEvent> events) throws Rejection {
        if (seat != Action.SYSTEM) {
            throw new Rejection(ILLEGAL_ACTION, "only the runtime's timer sends " + REDEAL_TIMEOUT);
        }
        if (phase != Phase.PREPARATION) {
            throw new Rejection(ILLEGAL_ACTION, "no redeal offer is open in phase " + phase);
        }
        int offerSeat = intArg(args, "seat");
        int offerRound = intArg(args, "round");
        int offerDeal = intArg(args, "deal");
        if (offerSeat != askSeat || offerRound != round || offerDeal != deal) {
            throw new Rejection(ILLEGAL_ACTION, "stale timer: the open offer is to seat " + askSeat
                    + " in round " + round + ", deal " + deal);
        }
        declineRedeal(askSeat, true, events);
    }

    private void declare(int seat, Map<String, Object> args, List<GameEvent> events) throws Rejection {
        if (phase != Phase.DECLARATION) {
            throw new Rejection(ILLEGAL_ACTION, "cannot declare in phase " + phase);
        }
        int next = nextDeclarer();
        if (seat != next) {
            throw new Rejection(NOT_YOUR_TURN, "seat " + next + " declares next");
        }
        int piles = intArg(args, "piles");
        if (piles < 0 || piles > Piece.HAND) {
            throw new Rejection(ILLEGAL_ACTION, "a declaration is 0 to 8 piles, got " + piles);
        }
        if (piles == 0 && zeroStreak[seat] >= 2) {
            throw new Rejection(ILLEGAL_ACTION, "you declared 0 in each of the last two rounds: declare at least 1");
        }
        int others = declaredTotal();
        if (declaredCount() == SEATS - 1 && others + piles == Piece.HAND) {
            throw new Rejection(ILLEGAL_ACTION, "the last declarer may not make the total exactly 8 (others declared "
                    + others + ")");
        }
        declared[seat] = piles;
        events.add(event("declared", "seat", seat, "piles", piles, "total", declaredTotal()));
        if (declaredCount() == SEATS) {
            startTurn(1, starter, events);
        }
    }

    private void play(int seat, Map<String, Object> args, List<GameEvent> events) throws Rejection {
        if (phase != Phase.TURN) {
            throw new Rejection(ILLEGAL_ACTION, "cannot play in phase " + phase);
        }
        int next = nextToPlay();
        if (seat != next) {
            throw new Rejection(NOT_YOUR_TURN, "seat " + next + " plays next");
        }
        int[] counts = piecesArg(args);
        Play p = Play.of(counts);
        for (int k = 0; k < Piece.KINDS; k++) {
            if (counts[k] > hands[seat][k]) {
                throw new Rejection(ILLEGAL_ACTION, "you hold " + hands[seat][k] + " " + Piece.of(k)
                        + " but the play has " + counts[k]);
            }
        }
        boolean competes;
        if (plays.isEmpty()) {
            if (p.size() > 6) {
                throw new Rejection(ILLEGAL_ACTION, "a lead is 1 to 6 pieces, got " + p.size());
            }
            if (!p.valid()) {
                throw new Rejection(ILLEGAL_ACTION, p.pieceIds() + " is not a valid play");
            }
            competes = true;
        } else {
            Play lead = plays.get(0).play();
            if (p.size() != lead.size()) {
                throw new Rejection(ILLEGAL_ACTION, "play exactly " + lead.size() + " piece(s), like the leader");
            }
            competes = p.type() == lead.type();
        }
        for (int k = 0; k < Piece.KINDS; k++) {
            hands[seat][k] -= counts[k];
        }
        plays.add(new TurnPlay(seat, p, competes));
        events.add(event("played", "seat", seat, "pieces", p.pieceIds(),
                "type", p.valid() ? p.type().name() : "NONE", "competes", competes));
        if (plays.size() == SEATS) {
            finishTurn(events);
        }
    }

    // ------------------------------------------------------------------ state machine

    private void startRound(List<GameEvent> events) {
        round++;
        deal = 0;
        multiplier = 1;
        Arrays.fill(declared, -1);
        Arrays.fill(won, 0);
        plays.clear();
        turnNumber = 0;
        leader = -1;
        lastTurn = null;
        events.add(event("round_started", "round", round, "multiplier", multiplier));
        dealHands(-1, events);
    }

    /** Deals; {@code requester} is the seat whose redeal caused this deal, or -1. */
    private void dealHands(int requester, List<GameEvent> events) {
        int[][] dealt = dealer.deal(round, deal);
        checkDeal(dealt);
        for (int s = 0; s < SEATS; s++) {
            System.arraycopy(dealt[s], 0, hands[s], 0, Piece.KINDS);
        }
        if (requester >= 0) {
            starter = requester;
        } else if (round == 1) {
            starter = holderOf(Piece.RED_GENERAL.ordinal());
        } else {
            starter = lastTurnWinner;
        }
        for (int s = 0; s < SEATS; s++) {
            events.add(new GameEvent("hand_dealt", s, Map.of("round", round, "deal", deal, "seat", s,
                    "hand", handIds(s), "weak", weak(s))));
        }
        int first = nextWeakSeat(0);
        if (first >= 0) {
            offerRedeal(first, events);
        } else {
            startDeclaration(events);
        }
    }

    private void offerRedeal(int seat, List<GameEvent> events) {
        phase = Phase.PREPARATION;
        askSeat = seat;
        events.add(event("redeal_offered", "seat", seat, "round", round, "deal", deal,
                "timeoutMillis", options.redealTimeoutMillis()));
    }

    private void requestRedeal(int seat, List<GameEvent> events) {
        multiplier++;
        deal++;
        events.add(event("redeal_requested", "seat", seat, "round", round, "multiplier", multiplier));
        dealHands(seat, events);
    }

    private void declineRedeal(int seat, boolean timedOut, List<GameEvent> events) {
        events.add(event("redeal_declined", "seat", seat, "timedOut", timedOut));
        int next = nextWeakSeat(offsetFromStarter(seat) + 1);
        if (next >= 0) {
            offerRedeal(next, events);
        } else {
            startDeclaration(events);
        }
    }

    /** The first seat with a weak hand at or after {@code offset} places from the starter, or -1. */
    private int nextWeakSeat(int offset) {
        for (int i = offset; i < SEATS; i++) {
            int s = (starter + i) % SEATS;
            if (weak(s)) {
                return s;
            }
        }
        return -1;
    }

    private void startDeclaration(List<GameEvent> events) {
        phase = Phase.DECLARATION;
        askSeat = -1;
        events.add(event("declaration_started", "round", round, "starter", starter, "multiplier", multiplier));
    }

    private void startTurn(int number, int lead, List<GameEvent> events) {
        phase = Phase.TURN;
        turnNumber = number;
        leader = lead;
        plays.clear();
        events.add(event("turn_started", "round", round, "turn", number, "leader", lead));
    }

    private void finishTurn(List<GameEvent> events) {
        TurnPlay best = plays.get(0);
        for (TurnPlay tp : plays) {
            // Strictly stronger only: on a tie the earlier play keeps the turn.
            if (tp.competes() && tp.play().value() > best.play().value()) {
                best = tp;
            }
        }
        int piles = best.play().size();
        won[best.seat()] += piles;
        lastTurnWinner = best.seat();
        lastTurn = new CompletedTurn(turnNumber, List.copyOf(plays), best.seat());
        events.add(event("turn_won", "round", round, "turn", turnNumber, "seat", best.seat(), "piles", piles,
                "value", best.play().value(), "pilesWon", ints(won)));
        plays.clear();
        if (handSize(0) == 0) {
            scoreRound(events);
        } else {
            startTurn(turnNumber + 1, best.seat(), events);
        }
    }

    private void scoreRound(List<GameEvent> events) {
        int[] delta = new int[SEATS];
        for (int s = 0; s < SEATS; s++) {
            delta[s] = roundScore(declared[s], won[s]) * multiplier;
            scores[s] += delta[s];
            zeroStreak[s] = declared[s] == 0 ? Math.min(2, zeroStreak[s] + 1) : 0;
            if (declared[s] == won[s]) {
                exact[s]++;
            }
        }
        lastRound = new RoundSummary(round, multiplier, declared.clone(), won.clone(), delta);
        events.add(event("round_scored", "round", round, "multiplier", multiplier, "declared", ints(declared),
                "won", ints(won), "delta", ints(delta), "scores", ints(scores)));
        boolean reached = Arrays.stream(scores).anyMatch(v -> v >= options.winScore());
        if (reached || round >= options.maxRounds()) {
            phase = Phase.GAME_OVER;
            plays.clear();
            events.add(event("game_over", "rounds", round, "scores", ints(scores), "winners", winners(),
                    "reason", reached ? "win_score" : "max_rounds"));
        } else {
            startRound(events);
        }
    }

    /** The rules' per-round score before the multiplier, for {@code d} declared and {@code w} won. */
    static int roundScore(int d, int w) {
        if (d == 0) {
            return w == 0 ? 3 : -w;
        }
        return d == w ? d + 5 : -Math.abs(d - w);
    }

    // ------------------------------------------------------------------ queries

    /** The seat whose move it is, or -1 at the end. */
    int toMove() {
        return switch (phase) {
            case PREPARATION -> askSeat;
            case DECLARATION -> nextDeclarer();
            case TURN -> nextToPlay();
            case GAME_OVER -> -1;
        };
    }

    int nextDeclarer() {
        return (starter + declaredCount()) % SEATS;
    }

    int nextToPlay() {
        return (leader + plays.size()) % SEATS;
    }

    int declaredCount() {
        int n = 0;
        for (int d : declared) {
            if (d >= 0) {
                n++;
            }
        }
        return n;
    }

    int declaredTotal() {
        int t = 0;
        for (int d : declared) {
            if (d > 0) {
                t += d;
            }
        }
        return t;
    }

    int handSize(int seat) {
        int n = 0;
        for (int c : hands[seat]) {
            n += c;
        }
        return n;
    }

    /** A copy of the seat's hand as counts per kind. */
    int[] hand(int seat) {
        return hands[seat].clone();
    }

    /** A weak hand has no piece worth more than 9. */
    boolean weak(int seat) {
        for (int k = 0; k < Piece.KINDS; k++) {
            if (hands[seat][k] > 0 && Piece.value(k) > 9) {
                return false;
            }
        }
        return true;
    }

    /** The declarations {@code seat} may make now; empty if it is not its declaration. */
    List<Integer> declareOptions(int seat) {
        if (phase != Phase.DECLARATION || seat != nextDeclarer()) {
            return List.of();
        }
        boolean last = declaredCount() == SEATS - 1;
        List<Integer> allowed = new ArrayList<>();
        for (int n = 0; n <= Piece.HAND; n++) {
            if (!(n == 0 && zeroStreak[seat] >= 2) && !(last && declaredTotal() + n == Piece.HAND)) {
                allowed.add(n);
            }
        }
        return allowed;
    }

    /** The lead of the current turn, or null before it is played. */
    Play lead() {
        return plays.isEmpty() ? null : plays.get(0).play();
    }

    /** The strongest competing play of the current turn so far (the one that would win), or null. */
    TurnPlay currentBest() {
        TurnPlay best = null;
        for (TurnPlay tp : plays) {
            if (best == null || (tp.competes() && tp.play().value() > best.play().value())) {
                best = tp;
            }
        }
        return best;
    }

    /** Pieces played so far this round by anyone (including the current turn), as counts per kind. */
    int[] playedThisRound() {
        int[] played = Piece.fullSet();
        for (int[] h : hands) {
            for (int k = 0; k < Piece.KINDS; k++) {
                played[k] -= h[k];
            }
        }
        return played;
    }

    private int holderOf(int kind) {
        for (int s = 0; s < SEATS; s++) {
            if (hands[s][kind] > 0) {
                return s;
            }
        }
        throw new IllegalStateException("nobody holds " + Piece.of(kind));
    }

    private int offsetFromStarter(int seat) {
        return Math.floorMod(seat - starter, SEATS);
    }

    private List<Integer> winners() {
        int top = Arrays.stream(scores).max().orElse(0);
        List<Integer> w = new ArrayList<>();
        for (int s = 0; s < SEATS; s++) {
            if (scores[s] == top) {
                w.add(s);
            }
        }
        return List.copyOf(w);
    }

    @Override
    public List<String> allowedActions(int seat) {
        if (seat < 0 || seat >= SEATS || seat != toMove()) {
            return List.of();
        }
        return switch (phase) {
            case PREPARATION -> List.of(REDEAL_REQUEST, REDEAL_DECLINE);
            case DECLARATION -> List.of(DECLARE);
            case TURN -> List.of(PLAY);
            case GAME_OVER -> List.of();
        };
    }

    @Override
    public Optional<Action> botAction(int seat) {
        if (allowedActions(seat).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(LiapTuiBot.choose(this, seat));
    }

    @Override
    public Optional<TimerRequest> pendingTimer() {
        if (phase != Phase.PREPARATION) {
            return Optional.empty();
        }
        return Optional.of(new TimerRequest(REDEAL_TIMER, options.redealTimeoutMillis(),
                new Action(Action.SYSTEM, REDEAL_TIMEOUT, Map.of("seat", askSeat, "round", round, "deal", deal))));
    }

    @Override
    public Map<String, Object> result() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("completed", completed());
        r.put("rounds", round);
        r.put("scores", ints(scores));
        r.put("winners", completed() ? winners() : List.of());
        if (exactKnown) {
            r.put("declaredExactly", ints(exact)); // rounds each seat won exactly what it declared
        }
        return r;
    }

    @Override
    public Map<String, Object> view(int seat) {
        return LiapTuiView.of(this, seat);
    }

    @Override
    public byte[] snapshot() {
        return SnapshotCodec.write(this);
    }

    // ------------------------------------------------------------------ conversions and argument parsing

    List<String> handIds(int seat) {
        return Play.of(hands[seat]).pieceIds();
    }

    private void checkDeal(int[][] dealt) {
        int[] total = new int[Piece.KINDS];
        if (dealt.length != SEATS) {
            throw new IllegalStateException("a deal has " + SEATS + " hands");
        }
        for (int[] h : dealt) {
            int size = 0;
            for (int k = 0; k < Piece.KINDS; k++) {
                total[k] += h[k];
                size += h[k];
            }
            if (size != Piece.HAND) {
                throw new IllegalStateException("a hand has " + Piece.HAND + " pieces, got " + size);
            }
        }
        if (!Arrays.equals(total, Piece.fullSet())) {
            throw new IllegalStateException("a deal must use the 32 pieces exactly once");
        }
    }

    static List<Integer> ints(int[] values) {
        List<Integer> list = new ArrayList<>(values.length);
        for (int v : values) {
            list.add(v);
        }
        return List.copyOf(list);
    }

    private static GameEvent event(String type, Object... keyValues) {
        Map<String, Object> data = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            data.put((String) keyValues[i], keyValues[i + 1]);
        }
        return new GameEvent(type, GameEvent.EVERYONE, data);
    }

    private static int intArg(Map<String, Object> args, String key) throws Rejection {
        Object v = args.get(key);
        if (!(v instanceof Number n)) {
            throw new Rejection(BAD_ARGUMENTS, "argument \"" + key + "\" must be an integer"
                    + (v == null ? " and is missing" : ", got " + v));
        }
        double d = n.doubleValue();
        if (d != Math.rint(d) || Math.abs(d) > 1_000_000) {
            throw new Rejection(BAD_ARGUMENTS, "argument \"" + key + "\" must be an integer, got " + v);
        }
        return (int) d;
    }

    private static int[] piecesArg(Map<String, Object> args) throws Rejection {
        Object v = args.get("pieces");
        if (!(v instanceof List<?> list) || list.isEmpty() || list.size() > Piece.HAND) {
            throw new Rejection(BAD_ARGUMENTS, "argument \"pieces\" must be a list of 1 to 8 piece ids such as"
                    + " \"RED_GENERAL\"" + (v == null ? " and is missing" : ", got " + v));
        }
        int[] counts = new int[Piece.KINDS];
        for (Object o : list) {
            Optional<Piece> p = o instanceof String s ? Piece.parse(s) : Optional.empty();
            if (p.isEmpty()) {
                throw new Rejection(BAD_ARGUMENTS, "\"" + o + "\" is not a piece id; ids are COLOUR_NAME,"
                        + " for example RED_GENERAL or BLACK_SOLDIER");
            }
            counts[p.get().ordinal()]++;
        }
        return counts;
    }
}
