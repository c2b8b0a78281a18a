package dev.ludus.api.rooms;

import java.util.List;

/**
 * One page of the lobby.
 *
 * @param rooms        the rooms of the page: joinable rooms first, then the others, each group
 *                     newest first
 * @param next         the cursor of the next page ({@link RoomQuery#cursor()}), or {@code null} when
 *                     this page is the last. Opaque; stable while rooms come and go (a room never
 *                     appears twice across the pages of one walk).
 * @param lobbyVersion the {@link RoomService#lobbyVersion()} this page was built from
 */
public record RoomPage(List<RoomInfo> rooms, String next, long lobbyVersion) {
    public RoomPage {
        rooms = List.copyOf(rooms);
    }
}
