package dev.ludus.bus.support;

import java.io.IOException;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;

import dev.ludus.api.bus.BusException;
import dev.ludus.api.bus.MessageBus;
import dev.ludus.api.bus.OutgoingMessage;

/** What every message and name must be before a bus stores anything (the API's documented rules). */
public final class Checks {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,127}");
    private static final Pattern HEADER = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final int MAX_KEY = 256;
    private static final int MAX_ID = 256;
    private static final int MAX_HEADERS = 32;
    private static final int MAX_HEADER_VALUE = 1024;
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build()).build();

    private Checks() {
    }

    public static void message(OutgoingMessage m) {
        if (m == null) {
            throw new BusException("invalid_payload", "the message is null", null);
        }
        topic(m.topic());
        if (m.key() != null && (m.key().isEmpty() || m.key().length() > MAX_KEY)) {
            throw new BusException("invalid_key", "a key is 1 to " + MAX_KEY + " characters, or null for none", null);
        }
        if (m.id() != null && (m.id().isBlank() || m.id().length() > MAX_ID)) {
            throw new BusException("invalid_payload", "a message id is 1 to " + MAX_ID + " characters, or null", null);
        }
        if (m.headers().size() > MAX_HEADERS) {
            throw new BusException("invalid_header", "at most " + MAX_HEADERS + " headers, got " + m.headers().size(), null);
        }
        for (Map.Entry<String, String> h : m.headers().entrySet()) {
            if (h.getKey() == null || !HEADER.matcher(h.getKey()).matches()) {
                throw new BusException("invalid_header", "header name '" + printable(h.getKey())
                        + "' is not 1 to 64 characters of a-z 0-9 . _ - starting with a letter or digit", null);
            }
            if (h.getValue() == null || h.getValue().length() > MAX_HEADER_VALUE) {
                throw new BusException("invalid_header", "header '" + h.getKey() + "' needs a value of at most "
                        + MAX_HEADER_VALUE + " characters", null);
            }
        }
        payload(m.payload());
    }

    /** Topics already checked: a publish checks its topic once per name (bounded: a flood of names is checked each time). */
    private static final java.util.Set<String> GOOD_TOPICS = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public static void topic(String topic) {
        if (topic != null && GOOD_TOPICS.contains(topic)) {
            return;
        }
        if (topic == null || !NAME.matcher(topic).matches()) {
            throw new BusException("invalid_topic", "topic '" + printable(topic)
                    + "' is not 1 to 128 characters of a-z 0-9 . _ - starting with a letter or digit", null);
        }
        if (GOOD_TOPICS.size() < 10_000) {
            GOOD_TOPICS.add(topic);
        }
    }

    public static void group(String group) {
        if (group == null || !NAME.matcher(group).matches()) {
            throw new BusException("invalid_group", "consumer group '" + printable(group)
                    + "' is not 1 to 128 characters of a-z 0-9 . _ - starting with a letter or digit", null);
        }
    }

    /** One JSON value and nothing after it. */
    public static void payload(String payload) {
        if (payload == null) {
            throw new BusException("invalid_payload", "the payload is null; send JSON (null is \"null\")", null);
        }
        if (payload.length() > MessageBus.MAX_PAYLOAD_CHARS) {
            throw new BusException("payload_too_large", "the payload has " + payload.length()
                    + " characters; at most " + MessageBus.MAX_PAYLOAD_CHARS, null);
        }
        try (JsonParser p = JSON.createParser(payload)) {
            if (p.nextToken() == null) {
                throw new BusException("invalid_payload", "the payload is empty; send one JSON value", null);
            }
            p.skipChildren();
            if (p.nextToken() != null) {
                throw new BusException("invalid_payload", "the payload has more than one JSON value", null);
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new BusException("invalid_payload", "the payload is not JSON: " + e.getOriginalMessage(), null);
        } catch (IOException e) {
            throw new BusException("invalid_payload", "the payload is not JSON: " + e.getMessage(), null);
        }
    }

    private static String printable(String s) {
        if (s == null) {
            return "null";
        }
        String cut = s.length() > 80 ? s.substring(0, 80) + "…" : s;
        StringBuilder b = new StringBuilder(cut.length());
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }

}
