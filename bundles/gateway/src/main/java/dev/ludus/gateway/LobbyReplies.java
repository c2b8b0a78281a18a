package dev.ludus.gateway;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import dev.ludus.api.rooms.RoomInfo;
import dev.ludus.api.rooms.RoomPage;
import dev.ludus.api.rooms.RoomQuery;
import dev.ludus.api.rooms.RoomService;

/**
 * The JSON of lobby pages, written once per lobby version and query and then handed to every
 * player who asks the same. Ten clients asking for 500 rooms 19 times a second used to make the
 * server write hundreds of MiB of JSON; now they share one string per page until a room changes
 * ({@link RoomService#lobbyVersion()}). Thread safe; bounded to {@link #MAX_PAGES} pages.
 */
final class LobbyReplies {

    /** Distinct pages kept per lobby version; beyond that, pages are written but not kept. */
    static final int MAX_PAGES = 256;

    private record Cached(RoomService owner, long version, Map<RoomQuery, String> pages) {
    }

    private final Protocol protocol;
    private volatile Cached cached = new Cached(null, -1, Map.of());
    private final LongAdder written = new LongAdder();
    private final LongAdder reused = new LongAdder();

    LobbyReplies(Protocol protocol) {
        this.protocol = protocol;
    }

    /** The result object of a {@code list_rooms} reply, as JSON: {@code {"rooms":[…],"next":…}}. */
    String result(RoomService rs, RoomQuery query) {
        long version = rs.lobbyVersion();
        Cached c = cached;
        if (c.owner != rs || c.version != version) {
            // A new version, or another rooms service (whose versions mean nothing to the old one).
            c = new Cached(rs, version, new ConcurrentHashMap<>());
            cached = c;
        }
        String json = c.pages.get(query);
        if (json != null) {
            reused.increment();
            return json;
        }
        RoomPage page = rs.list(query);
        List<Map<String, Object>> rooms = new ArrayList<>(page.rooms().size());
        for (RoomInfo info : page.rooms()) {
            rooms.add(Protocol.room(info));
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("rooms", rooms);
        result.put("next", page.next());
        result.put("lobbyVersion", page.lobbyVersion());
        json = protocol.json(result);
        written.increment();
        // Keep it only if it shows exactly the version it is filed under.
        if (page.lobbyVersion() == c.version && c.pages.size() < MAX_PAGES) {
            c.pages.put(query, json);
        }
        return json;
    }

    long pagesWritten() {
        return written.sum();
    }

    long pagesReused() {
        return reused.sum();
    }
}
