package dev.ludus.api.bus;

import java.util.List;

/**
 * What a bus implementation reports about itself.
 *
 * @param implementation its name, as in the {@code ludus.bus} service property
 * @param reachable      whether it can store messages now (its disk, its broker)
 * @param detail         one line: where it stores, and why not when it cannot
 * @param groups         each consumer group it delivers to on this node
 */
public record BusStatus(String implementation, boolean reachable, String detail, List<Group> groups) {

    public BusStatus {
        groups = List.copyOf(groups);
    }

    /**
     * One consumer group.
     *
     * @param group       its name
     * @param topics      what it reads
     * @param handler     the handler's bundle and version, or empty when none is registered
     * @param lag         messages published to its topics and not yet acknowledged by it
     * @param inFlight    messages handed to the handler or waiting for a retry
     * @param deadLetters dead letters waiting for an operator
     */
    public record Group(String group, List<String> topics, String handler, long lag, long inFlight, long deadLetters) {

        public Group {
            topics = List.copyOf(topics);
        }
    }
}
