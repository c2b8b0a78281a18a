package dev.ludus.stats;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration PID {@value StatsService#PID}. */
@ObjectClassDefinition(name = "Ludus stats",
        description = "Player profiles, leaderboards and recent games, built from the bus's game.finished messages "
                + "(consumer group 'stats') and kept on this node's disk.")
public @interface StatsConfig {

    @AttributeDefinition(name = "Directory",
            description = "Where the statistics keep their log. Relative to the node's data directory (ludus.data); "
                    + "empty means 'stats'.")
    String directory() default "";

    @AttributeDefinition(name = "Games per player kept", min = "1", max = "100",
            description = "How many recent games each player's history keeps.")
    int historyPerPlayer() default 50;

    @AttributeDefinition(name = "Rebuild from the archive", min = "0",
            description = "Raise this number to rebuild every statistic from the archive's finished games (games "
                    + "archived before announcements carried their result are skipped and counted). Runs once per "
                    + "new number, in the background; players keep the old figures until it is done.")
    long rebuildGeneration() default 0;
}
