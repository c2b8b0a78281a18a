package dev.ludus.bus.support;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;

import dev.ludus.api.bus.MessageHandler;

/** Consumer groups as read from handlers' service properties, and what the board tells its bus. */
public class HandlerBoardTest {

    private static final MessageHandler NOTHING = d -> { };

    /** A service reference with these properties, registered by bundle {@code test.consumer} 2.0.1. */
    @SuppressWarnings("unchecked")
    private static ServiceReference<MessageHandler> ref(Map<String, Object> props) {
        Bundle bundle = (Bundle) Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getSymbolicName" -> "test.consumer";
                    case "getVersion" -> new Version(2, 0, 1);
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> p == a[0];
                    default -> null;
                });
        return (ServiceReference<MessageHandler>) Proxy.newProxyInstance(ServiceReference.class.getClassLoader(),
                new Class<?>[] {ServiceReference.class}, (p, m, a) -> switch (m.getName()) {
                    case "getProperty" -> props.get((String) a[0]);
                    case "getBundle" -> bundle;
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> p == a[0];
                    default -> null;
                });
    }

    private static String refusal(Map<String, Object> props) {
        try {
            HandlerBoard.subscriber(ref(props), NOTHING);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        throw new AssertionError("accepted " + props);
    }

    @Test
    public void propertiesBecomeTheGroupsSettingsWithDefaults() {
        Subscriber s = HandlerBoard.subscriber(ref(Map.of(MessageHandler.GROUP, "stats", MessageHandler.TOPICS,
                "game.finished, room.closed")), NOTHING);
        assertEquals("stats", s.group());
        assertEquals(List.of("game.finished", "room.closed"), s.topics());
        assertEquals(Subscriber.DEFAULT_MAX_DELIVERIES, s.maxDeliveries());
        assertEquals("test.consumer 2.0.1", s.handlerName());
        assertEquals(500, s.backoff(1));
        assertEquals(1000, s.backoff(2));
        assertEquals(60_000, s.backoff(30));

        Subscriber t = HandlerBoard.subscriber(ref(Map.of(MessageHandler.GROUP, "hooks", MessageHandler.TOPICS,
                new String[] {"a", "b"}, MessageHandler.MAX_DELIVERIES, "3", MessageHandler.BACKOFF_MILLIS, 10L,
                MessageHandler.MAX_BACKOFF_MILLIS, 25)), NOTHING);
        assertEquals(List.of("a", "b"), t.topics());
        assertEquals(3, t.maxDeliveries());
        assertEquals(25, t.backoff(3));
    }

    @Test
    public void badPropertiesAreRefusedNamingTheProperty() {
        assertTrue(refusal(Map.of(MessageHandler.TOPICS, "t")).contains(MessageHandler.GROUP));
        assertTrue(refusal(Map.of(MessageHandler.GROUP, "g")).contains(MessageHandler.TOPICS));
        assertTrue(refusal(Map.of(MessageHandler.GROUP, "g", MessageHandler.TOPICS, " , ")).contains("names no topic"));
        assertTrue(refusal(Map.of(MessageHandler.GROUP, "Bad Group", MessageHandler.TOPICS, "t")).contains("Bad Group"));
        assertTrue(refusal(Map.of(MessageHandler.GROUP, "g", MessageHandler.TOPICS, "t",
                MessageHandler.MAX_DELIVERIES, "many")).contains(MessageHandler.MAX_DELIVERIES));
        assertTrue(refusal(Map.of(MessageHandler.GROUP, "g", MessageHandler.TOPICS, "t",
                MessageHandler.MAX_DELIVERIES, 0)).contains("1 to 1000"));
        assertTrue(refusal(Map.of(MessageHandler.GROUP, "g", MessageHandler.TOPICS, "t",
                MessageHandler.BACKOFF_MILLIS, -1L)).contains(MessageHandler.BACKOFF_MILLIS));
    }

    @Test
    public void theBoardTellsItsBusWhoComesAndGoesAndKeepsRefusals() {
        HandlerBoard board = new HandlerBoard("test bus");
        List<String> told = new ArrayList<>();
        ServiceReference<MessageHandler> early = ref(Map.of(MessageHandler.GROUP, "early", MessageHandler.TOPICS, "t"));
        board.bind(early, NOTHING); // before the bus listens: it finds it in current()
        assertEquals(1, board.current().size());
        board.listen(new HandlerBoard.Listener() {
            @Override
            public void subscribe(Subscriber s) {
                told.add("+" + s.group());
            }

            @Override
            public void unsubscribe(Object identity) {
                told.add("-" + identity.hashCode());
            }
        });
        ServiceReference<MessageHandler> late = ref(Map.of(MessageHandler.GROUP, "late", MessageHandler.TOPICS, "t"));
        board.bind(late, NOTHING);
        ServiceReference<MessageHandler> bad = ref(Map.of(MessageHandler.GROUP, "bad"));
        board.bind(bad, NOTHING);
        assertEquals(1, board.refused().size());
        assertTrue(board.refused().get(0), board.refused().get(0).startsWith("test.consumer: "));
        board.unbind(bad);
        assertTrue(board.refused().isEmpty());
        board.unbind(late);
        assertEquals(List.of("+late", "-" + late.hashCode()), told);
        try {
            board.current().get(1);
            fail("late is gone");
        } catch (IndexOutOfBoundsException expected) {
            assertEquals(1, board.current().size());
        }
    }
}
