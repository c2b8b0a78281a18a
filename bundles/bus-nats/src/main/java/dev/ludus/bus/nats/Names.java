package dev.ludus.bus.nats;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where the bus keeps what, on NATS. With the name {@code ludus}: the stream {@code LUDUS_BUS}
 * holds topics as subjects {@code ludus.bus.t.<topic>} and replays as
 * {@code ludus.bus.r.<group>}; the stream {@code LUDUS_BUS_DLQ} holds dead letters as
 * {@code ludus.bus.d.<group>}. A topic or group is one subject token: its dots become {@code ~}
 * (which names cannot hold), so {@code game.finished} is {@code ludus.bus.t.game~finished}.
 * Durable consumers are named {@code <group>=<topic>} and {@code <group>@replay}, dots as {@code ~}.
 */
record Names(String name) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,32}");

    Names {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name must be 1 to 32 letters, digits, - or _, got '" + name + "'");
        }
    }

    private static String token(String s) {
        return s.replace('.', '~');
    }

    static String untoken(String s) {
        return s.replace('~', '.');
    }

    private String prefix() {
        return name.toLowerCase(Locale.ROOT) + ".bus.";
    }

    String stream() {
        return name.toUpperCase(Locale.ROOT).replace('-', '_') + "_BUS";
    }

    String deadStream() {
        return stream() + "_DLQ";
    }

    String topicSubject(String topic) {
        return prefix() + "t." + token(topic);
    }

    String topicSubjects() {
        return prefix() + "t.*";
    }

    String replaySubject(String group) {
        return prefix() + "r." + token(group);
    }

    String replaySubjects() {
        return prefix() + "r.*";
    }

    boolean isReplay(String subject) {
        return subject.startsWith(prefix() + "r.");
    }

    String deadSubject(String group) {
        return prefix() + "d." + token(group);
    }

    String deadSubjects() {
        return prefix() + "d.*";
    }

    /** The group of a dead-letter subject, or null. */
    String groupOfDeadSubject(String subject) {
        String p = prefix() + "d.";
        return subject.startsWith(p) ? untoken(subject.substring(p.length())) : null;
    }

    String consumer(String group, String topic) {
        return token(group) + "=" + token(topic);
    }

    String replayConsumer(String group) {
        return token(group) + "@replay";
    }

    /** The group a durable consumer of this bus belongs to, or null when it is not one of ours. */
    static String groupOfConsumer(String consumer) {
        int at = consumer.indexOf('=');
        if (at < 0) {
            at = consumer.indexOf('@');
        }
        return at <= 0 ? null : untoken(consumer.substring(0, at));
    }

    /** The server's advisory when a consumer of the topics' stream gave up on a message. */
    String maxDeliveriesAdvisories() {
        return "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + stream() + ".*";
    }
}
