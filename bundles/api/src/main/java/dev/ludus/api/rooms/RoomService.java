package dev.ludus.api.rooms;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

import dev.ludus.api.game.ActionResult;

/**
 * The lobby and the game runtime. Thread safe. Lobby operations return when the change is
 * durable in the event store; they throw {@link RoomException} with a stable code when refused,
 * and change nothing then. Every room and every running game survives a restart of the process
 * or of the bundles involved.
 */
@ProviderType
public interface RoomService {

    /**
     * Creates a room for a game type, with all seats empty, on behalf of no particular player: no
     * per-player limit applies. Players' requests use {@link #create(String, String, Map, String)}.
     */
    RoomInfo create(String gameType, String name, Map<String, String> options);

    /**
     * Creates a room for a game type, with all seats empty, on behalf of {@code createdBy}. Blocks
     * until the room is durable.
     *
     * @throws RoomException {@code too_many_rooms} if {@code createdBy} already created as many
     *                       rooms that are not finished as the runtime allows; {@code unknown_game},
     *                       {@code bad_options}, {@code unavailable} as for the other form
     * @since 1.2
     */
    RoomInfo create(String gameType, String name, Map<String, String> options, String createdBy);

    /** Rooms that are not finished, oldest first. Prefer {@link #list(RoomQuery)}, which pages. */
    List<RoomInfo> list();

    /**
     * One page of the lobby: rooms that match the query, joinable rooms first, then the others,
     * each group newest first. Non-blocking; reads an immutable view of the lobby that is rebuilt
     * at most once per {@link #lobbyVersion()}, so asking often is cheap.
     *
     * @throws RoomException {@code bad_cursor} if the cursor was not made by this service
     * @since 1.2
     */
    RoomPage list(RoomQuery query);

    /**
     * A number that grows whenever anything a lobby page shows changes (a room created, changed or
     * gone). Equal versions mean equal pages for equal queries, so a caller may keep a page's
     * serialised form until the version moves. Not persisted: it starts again after a restart.
     * Non-blocking.
     *
     * @since 1.2
     */
    long lobbyVersion();

    /**
     * The rooms in which {@code playerId} owns a seat and which the runtime still holds, finished
     * ones included (a finished room stays for a configured time after its game ended, so a player
     * who comes back sees the result), rooms that are not finished first. Non-blocking.
     *
     * @since 1.2
     */
    List<RoomInfo> roomsOf(String playerId);

    /** A room, finished ones included while they are held in memory. */
    Optional<RoomInfo> get(String roomId);

    /**
     * Seats a human. Before the start: the first empty seat. Idempotent: a player who already
     * owns a seat keeps it (this is also how a player comes back after a disconnect: see
     * {@link #setConnected}).
     */
    RoomInfo join(String roomId, String playerId, String playerName);

    /** Before the start frees the player's seat; during a game a bot plays it from now on. */
    RoomInfo leave(String roomId, String playerId);

    /** Puts a bot in the first empty seat (before the start). */
    RoomInfo addBot(String roomId);

    /** Empties a bot seat (before the start). */
    RoomInfo removeBot(String roomId, int seat);

    /** Starts the game; empty seats are filled with bots. */
    RoomInfo start(String roomId);

    /**
     * Submits a player's action. The stage completes with the engine's answer; an
     * {@link ActionResult.Accepted} result means the action is durable in the event store and has
     * been applied, and its events have gone to the subscribers. A rejected action changes
     * nothing. Completes exceptionally with {@link RoomException} for room-level refusals
     * ({@code not_in_room}, {@code game_paused}, {@code unavailable}...).
     *
     * <p>Arguments are checked before the engine sees them and before anything is stored: nested
     * deeper or larger than the runtime's limits, or holding a key or a kind of value the game does
     * not declare for the action ({@link dev.ludus.api.game.GameDefinition#actions()}), they are
     * answered {@link ActionResult.Rejected} with code {@code bad_arguments}; an action type the game
     * does not declare, {@code unknown_action}.
     */
    CompletionStage<ActionResult> act(String roomId, String playerId, String type, Map<String, Object> args);

    /**
     * What a player may see now: the room, and the game view of the player's seat (for a
     * spectator, the view of no seat), including the actions allowed to the player. Keys:
     * {@code room} (the {@link RoomInfo}; since 2.0, before a map), {@code seat} (the player's seat
     * or -1), and once the game has started {@code gameVersion}, {@code game} (JSON-compatible),
     * {@code allowedActions}, and for a finished game {@code result}.
     *
     * @throws RoomException {@link RoomException#NO_SUCH_ROOM} if the runtime does not hold the room
     */
    Map<String, Object> view(String roomId, String playerId);

    /**
     * Subscribes to a room's events as {@code playerId} (who may be a spectator). Events come in
     * order, filtered to what that player may see. Close the handle to unsubscribe.
     */
    AutoCloseable subscribe(String roomId, String playerId, RoomListener listener);

    /**
     * Marks a human player connected or not. While disconnected, a bot plays the seat; the seat
     * and its score stay the player's. Not persisted: after a restart every human is disconnected
     * until they connect again.
     */
    void setConnected(String roomId, String playerId, boolean connected);

    /**
     * A finished game move by move, rebuilt from its archived record by the game's own rules: the
     * start, then every action taken, each with what {@code seat} saw after it. Reads nothing but
     * the record and changes nothing; the game's definition must be installed on this node.
     *
     * @param record an archived record in the rooms' format {@code ludus-room-record/1} (the
     *               {@link dev.ludus.api.archive.CompletedGame#record()} of a game the rooms archived)
     * @param seat   the seat whose view the steps show, from 0
     * @throws RoomException {@link RoomException#BAD_RECORD} if the record is not one the rooms
     *                       wrote or does not replay by the game's rules; {@link RoomException#UNKNOWN_GAME}
     *                       if its game type is not installed; {@link RoomException#BAD_SEAT} if the
     *                       game has no such seat
     * @since 2.3
     */
    GameReplay replay(byte[] record, int seat);
}
