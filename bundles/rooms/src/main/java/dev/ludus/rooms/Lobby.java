package dev.ludus.rooms;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import dev.ludus.api.rooms.RoomException;
import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomPage;
import dev.ludus.api.rooms.RoomQuery;
import dev.ludus.api.rooms.RoomState;

/**
 * The lobby's order and paging, kept apart from the runtime that changes rooms. Every change a
 * lobby page could show calls {@link #changed()}; the ordered list of open rooms is rebuilt at most
 * once per version, when a page is asked for, so a thousand identical questions cost one sort.
 *
 * <p>Order: joinable rooms (waiting, with an empty seat) first, then the others; within each
 * group newest first, ties broken by room id. A cursor names the last room of a page by its place
 * in that order (group, creation time, id), so paging stays stable while rooms come and go.
 * Thread safe.
 */
final class Lobby {

    private static final String CURSOR_PREFIX = "l1:";

    /** A room's place in the lobby order. */
    record Position(int group, long createdAt, String roomId) implements Comparable<Position> {
        static final Comparator<Position> ORDER = Comparator.comparingInt(Position::group)
                .thenComparing(Comparator.comparingLong(Position::createdAt).reversed())
                .thenComparing(Position::roomId);

        static Position of(RoomInfo info) {
            return new Position(joinable(info) ? 0 : 1, info.createdAt().toEpochMilli(), info.roomId());
        }

        @Override
        public int compareTo(Position o) {
            return ORDER.compare(this, o);
        }
    }

    private record View(long version, List<RoomInfo> rooms, List<Position> positions) {
    }

    private final AtomicLong version = new AtomicLong(1);
    private final Supplier<Collection<RoomInfo>> source;
    private volatile View view = new View(0, List.of(), List.of());

    /** @param source every room the runtime holds now, as the lobby shows them */
    Lobby(Supplier<Collection<RoomInfo>> source) {
        this.source = source;
    }

    /** Something a page could show has changed: the next page is built afresh. */
    void changed() {
        version.incrementAndGet();
    }

    long version() {
        return version.get();
    }

    static boolean joinable(RoomInfo info) {
        return info.state() == RoomState.WAITING && info.seats().stream().anyMatch(s -> s.empty());
    }

    /** One page; throws {@code bad_cursor} for a cursor this class did not write. */
    RoomPage page(RoomQuery q) {
        Position after = q.cursor() == null ? null : decode(q.cursor());
        View v = current();
        int from = 0;
        if (after != null) {
            int i = Collections.binarySearch(v.positions, after);
            from = i >= 0 ? i + 1 : -i - 1;
        }
        String text = q.text() == null ? null : q.text().toLowerCase(Locale.ROOT);
        List<RoomInfo> out = new ArrayList<>(Math.min(q.limit(), 64));
        String next = null;
        int last = -1;
        for (int i = from; i < v.rooms.size(); i++) {
            RoomInfo r = v.rooms.get(i);
            if (!matches(r, q, text)) {
                continue;
            }
            if (out.size() == q.limit()) {
                next = encode(v.positions.get(last)); // there is more: the next page starts after the last shown
                break;
            }
            out.add(r);
            last = i;
        }
        return new RoomPage(out, next, v.version);
    }

    private static boolean matches(RoomInfo r, RoomQuery q, String text) {
        if (q.gameType() != null && !q.gameType().equals(r.gameType())) {
            return false;
        }
        if (q.state() == null ? r.state() == RoomState.FINISHED : q.state() != r.state()) {
            return false;
        }
        if (q.joinable() != null && q.joinable() != joinable(r)) {
            return false;
        }
        return text == null || (r.name() != null && r.name().toLowerCase(Locale.ROOT).contains(text));
    }

    private View current() {
        View v = view;
        long now = version.get();
        if (v.version == now) {
            return v;
        }
        synchronized (this) {
            v = view;
            now = version.get();
            if (v.version != now) {
                // Read the version first: a change during the build makes the next caller rebuild.
                List<RoomInfo> rooms = new ArrayList<>();
                for (RoomInfo i : source.get()) {
                    if (i != null && i.name() != null && i.state() != RoomState.FINISHED) {
                        rooms.add(i);
                    }
                }
                rooms.sort(Comparator.comparing(Position::of));
                List<Position> positions = rooms.stream().map(Position::of).toList();
                v = new View(now, List.copyOf(rooms), positions);
                view = v;
            }
            return v;
        }
    }

    static String encode(Position p) {
        String raw = p.group + "." + p.createdAt + "." + p.roomId;
        return CURSOR_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    static Position decode(String cursor) {
        try {
            if (!cursor.startsWith(CURSOR_PREFIX) || cursor.length() > 200) {
                throw new IllegalArgumentException();
            }
            String raw = new String(Base64.getUrlDecoder().decode(cursor.substring(CURSOR_PREFIX.length())),
                    StandardCharsets.UTF_8);
            String[] parts = raw.split("\\.", 3);
            int group = Integer.parseInt(parts[0]);
            if (parts.length != 3 || group < 0 || group > 1 || parts[2].isEmpty()) {
                throw new IllegalArgumentException();
            }
            return new Position(group, Long.parseLong(parts[1]), parts[2]);
        } catch (RuntimeException e) {
            throw new RoomException(RoomException.BAD_CURSOR, "not a lobby cursor: pass the 'next' of the previous page");
        }
    }
}
