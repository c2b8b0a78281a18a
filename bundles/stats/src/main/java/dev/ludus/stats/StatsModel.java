package dev.ludus.stats;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import dev.ludus.api.stats.GameRecord;
import dev.ludus.api.stats.PlayerProfile;
import dev.ludus.api.stats.Standing;

/**
 * Profiles, leaderboards and histories in memory, built by applying {@link GameOutcome}s in order.
 * Applying a game whose id was applied before changes nothing (consumers see messages at least
 * once). Thread-safe: one lock; leaderboards are sorted once per change and game type.
 */
final class StatsModel {

    /** Totals of one player, over all game types and per type. */
    private static final class Player {
        final String id;
        String name = "";
        Instant lastPlayedAt = Instant.EPOCH;
        final Map<String, long[]> byType = new TreeMap<>(); // played, won, points, rounds, exact, reachedAt
        final Deque<GameRecord> recent = new ArrayDeque<>();
        long revision; // the games counted for this player, in order (see revision())
        int counted;

        Player(String id) {
            this.id = id;
        }
    }

    private static final int PLAYED = 0;
    private static final int WON = 1;
    private static final int POINTS = 2;
    private static final int ROUNDS = 3;
    private static final int EXACT = 4;
    private static final int CHANGED = 5;

    private final int historyPerPlayer;
    private final Map<String, Player> players = new HashMap<>();
    private final Set<String> applied = new HashSet<>();
    private final Map<String, List<Standing>> boards = new HashMap<>();
    private final Map<String, long[]> boardRevisions = new HashMap<>(); // game type: {revision, counted}
    private long sequence;
    private long games;
    private long generation;

    StatsModel(int historyPerPlayer) {
        this.historyPerPlayer = historyPerPlayer;
    }

    /** Whether a game with this message id was applied. */
    synchronized boolean applied(String id) {
        return applied.contains(id);
    }

    /** Games applied. */
    synchronized long games() {
        return games;
    }

    /** Players with a profile. */
    synchronized int players() {
        return players.size();
    }

    /** Forgets everything (a rebuild starts over). */
    synchronized void clear() {
        players.clear();
        applied.clear();
        boards.clear();
        boardRevisions.clear();
        games = 0;
    }

    /** Names the rebuild this model counts from (part of every revision). */
    synchronized void generation(long g) {
        generation = g;
    }

    /**
     * The revision of a player's profile and history: the rebuild generation, how many games were
     * counted for them and a hash of those games' ids in counting order. Models that counted the
     * same games in the same order name the same revision; any game counted for the player changes it.
     */
    synchronized String playerRevision(String playerId) {
        Player p = players.get(playerId);
        return p == null ? revision(0, 0) : revision(p.counted, p.revision);
    }

    /** The revision of a game type's leaderboard, on the same terms (every game of the type counted). */
    synchronized String leaderboardRevision(String gameType) {
        long[] r = boardRevisions.get(gameType);
        return r == null ? revision(0, 0) : revision((int) r[1], r[0]);
    }

    private String revision(int counted, long hash) {
        return generation + "." + counted + "." + Long.toHexString(hash);
    }

    /** The next link of a revision chain: order matters, and a 64-bit hash of the game id is folded in. */
    static long chain(long revision, String gameId) {
        long h = 0xcbf29ce484222325L; // FNV-1a, 64 bits
        for (int i = 0; i < gameId.length(); i++) {
            h = (h ^ gameId.charAt(i)) * 0x100000001b3L;
        }
        long x = (Long.rotateLeft(revision, 17) ^ h) * 0x9E3779B97F4A7C15L;
        return x ^ (x >>> 31);
    }

    /** Applies a game once; returns false if its id was applied before. */
    synchronized boolean apply(GameOutcome g) {
        if (!applied.add(g.id())) {
            return false;
        }
        games++;
        sequence++;
        List<String> names = new ArrayList<>();
        List<Integer> scores = new ArrayList<>();
        for (GameOutcome.Seat s : g.seats()) {
            names.add(s.name());
            scores.add(s.score());
        }
        for (GameOutcome.Seat s : g.seats()) {
            if (s.playerId() == null) {
                continue;
            }
            Player p = players.computeIfAbsent(s.playerId(), Player::new);
            if (!g.finishedAt().isBefore(p.lastPlayedAt)) {
                p.lastPlayedAt = g.finishedAt();
                if (!s.name().isEmpty()) {
                    p.name = s.name();
                }
            }
            long[] t = p.byType.computeIfAbsent(g.gameType(), k -> new long[6]);
            t[PLAYED]++;
            t[WON] += s.won() ? 1 : 0;
            t[POINTS] += s.score();
            if (s.exact() >= 0 && g.rounds() > 0) {
                t[ROUNDS] += g.rounds();
                t[EXACT] += Math.min(s.exact(), g.rounds());
            }
            t[CHANGED] = sequence;
            p.revision = chain(p.revision, g.id());
            p.counted++;
            p.recent.addFirst(new GameRecord(g.roomId(), g.gameType(), g.finishedAt(), s.seat(), s.score(), s.won(),
                    names, scores));
            while (p.recent.size() > historyPerPlayer) {
                p.recent.removeLast();
            }
        }
        boards.remove(g.gameType());
        long[] r = boardRevisions.computeIfAbsent(g.gameType(), k -> new long[2]);
        r[0] = chain(r[0], g.id());
        r[1]++;
        return true;
    }

    synchronized Optional<PlayerProfile> profile(String playerId) {
        Player p = players.get(playerId);
        if (p == null) {
            return Optional.empty();
        }
        long[] sum = new long[6];
        Map<String, PlayerProfile.Totals> byType = new TreeMap<>();
        for (Map.Entry<String, long[]> e : p.byType.entrySet()) {
            long[] t = e.getValue();
            for (int i = 0; i < EXACT + 1; i++) {
                sum[i] += t[i];
            }
            byType.put(e.getKey(), new PlayerProfile.Totals((int) t[PLAYED], (int) t[WON], t[POINTS], (int) t[ROUNDS],
                    (int) t[EXACT]));
        }
        return Optional.of(new PlayerProfile(p.id, p.name, (int) sum[PLAYED], (int) sum[WON], sum[POINTS],
                (int) sum[ROUNDS], (int) sum[EXACT], p.lastPlayedAt, byType));
    }

    synchronized List<GameRecord> history(String playerId, int limit) {
        Player p = players.get(playerId);
        if (p == null) {
            return List.of();
        }
        return p.recent.stream().limit(limit).toList();
    }

    synchronized List<Standing> leaderboard(String gameType, int limit) {
        List<Standing> board = boards.computeIfAbsent(gameType, this::rank);
        return board.subList(0, Math.min(limit, board.size()));
    }

    /** The whole ranking of a game type (kept until a game of that type changes it). */
    private List<Standing> rank(String gameType) {
        record Row(Player p, long[] t) {
        }
        List<Row> rows = new ArrayList<>();
        for (Player p : players.values()) {
            long[] t = p.byType.get(gameType);
            if (t != null) {
                rows.add(new Row(p, t));
            }
        }
        Comparator<Row> order = Comparator.<Row>comparingLong(r -> -r.t[WON]).thenComparingLong(r -> -r.t[POINTS])
                .thenComparingLong(r -> r.t[PLAYED]).thenComparingLong(r -> r.t[CHANGED]);
        rows.sort(order);
        List<Standing> out = new ArrayList<>(Math.min(rows.size(), 1000));
        int rank = 0;
        Row previous = null;
        for (int i = 0; i < rows.size() && i < 1000; i++) {
            Row r = rows.get(i);
            if (previous == null || previous.t[WON] != r.t[WON] || previous.t[POINTS] != r.t[POINTS]
                    || previous.t[PLAYED] != r.t[PLAYED]) {
                rank = i + 1;
            }
            out.add(new Standing(rank, r.p.id, r.p.name, (int) r.t[PLAYED], (int) r.t[WON], r.t[POINTS]));
            previous = r;
        }
        return List.copyOf(out);
    }
}
