package dev.ludus.console;

import java.util.Map;

/**
 * What a page says on top after a form: {@code ?done=<action>} or {@code ?refused=<code>}, each a
 * code from a fixed list mapped to a fixed text. The URL never carries the text itself, so a crafted
 * link cannot make a console page say anything of its choosing; an unknown code shows nothing.
 * What exactly was done, with the values sent, is in the JSON answer and the audit log.
 */
final class Notices {

    private Notices() {
    }

    /** By action name, what was done. */
    static final Map<String, String> DONE = Map.ofEntries(Map.entry(
            "remove_player", "Player removed from the room: before the start the seat is free, during the game a bot"
                    + " plays it. The reason is in the audit log."),
            Map.entry("disconnect", "Player disconnected with close code 4004 and the reason given. Not a ban: the player may"
                    + " resume."),
            Map.entry("switch_backend", "Archive backend switched (backend.target of PID dev.ludus.archive)."),
            Map.entry("start_migration", "Archive migration started; its progress shows under archive-migration."),
            Map.entry("stop_migration", "Archive migration stopped (PID dev.ludus.archive.migration deleted)."),
            Map.entry("pause_room", "Game paused: players' moves are refused, bots and timers wait, until it is resumed"
                    + " here."),
            Map.entry("resume_room", "Game resumed: every deadline counts again from now."),
            Map.entry("end_room", "Game ended: its players got game over with the reason given; it goes to the archive."),
            Map.entry("unban", "Player unbanned."),
            Map.entry("replay", "Dead letters queued for delivery to the group's handler running now; the count is in"
                    + " the audit log."),
            Map.entry("discard", "Dead letters discarded; the count is in the audit log."),
            Map.entry("stop_node", "The node is draining and stopping: this page stops answering in a moment."),
            Map.entry("drain", "The node is draining: its players are closed with 1012 and resume elsewhere, and the other"
                    + " nodes take its rooms over. If it is this node, this page stops answering in a moment."));

    /** By stable error code, why an action was refused. */
    static final Map<String, String> REFUSED = Map.ofEntries(
            Map.entry("bad_player", "Refused (bad_player): name the player id."),
            Map.entry("bad_reason", "Refused (bad_reason): give a reason of 1 to 100 characters without control"
                    + " characters."),
            Map.entry("unknown_action", "Refused (unknown_action): this page has no such action."),
            Map.entry("bad_node", "Refused (bad_node): name the node."),
            Map.entry("unknown_node", "Refused (unknown_node): no live node has that id, or it did not answer."),
            Map.entry("not_in_cluster", "Refused (not_in_cluster): this node runs alone."),
            Map.entry("not_confirmed", "Refused (not_confirmed): tick the box to stop the node."),
            Map.entry("not_connected", "Refused (not_connected): that player has no connection here."),
            Map.entry("no_such_room", "Refused (no_such_room): the rooms runtime holds no such room."),
            Map.entry("not_in_room", "Refused (not_in_room): that player has no seat in this room."),
            Map.entry("game_over", "Refused (game_over): the game is over."),
            Map.entry("game_paused", "Refused (game_paused): the game is paused."),
            Map.entry("bad_seat", "Refused (bad_seat): no such seat."),
            Map.entry("bad_room", "Refused (bad_room): name the room."),
            Map.entry("bad_options", "Refused (bad_options): the rooms service did not take the reason or the user"
                    + " name."),
            Map.entry("not_started", "Refused (not_started): the game has not started."),
            Map.entry("room_paused", "Refused (room_paused): an operator has already paused the game."),
            Map.entry("not_paused", "Refused (not_paused): no operator paused this game."),
            Map.entry("unavailable", "Refused (unavailable): the service this action needs is not running."),
            Map.entry("unknown_backend", "Refused (unknown_backend): no archive backend of that name is installed."),
            Map.entry("bad_backend", "Refused (bad_backend): a migration needs two different installed backends."),
            Map.entry("no_migration", "Refused (no_migration): no migration is configured."),
            Map.entry("config_failed", "Refused (config_failed): ConfigAdmin did not take the change."),
            Map.entry("read_only", "Refused (read_only): this login may look but not change anything."),
            Map.entry("bad_group", "Refused (bad_group): name the consumer group."),
            Map.entry("invalid_group", "Refused (invalid_group): that is not a consumer group's name."),
            Map.entry("unknown_dead_letter", "Refused (unknown_dead_letter): the group has no such dead letter waiting;"
                    + " nothing was changed."));

    /** The fixed text for {@code code} in {@code texts}, or null for none or an unknown one. */
    static String text(Map<String, String> texts, String code) {
        return code == null ? null : texts.get(code);
    }
}
