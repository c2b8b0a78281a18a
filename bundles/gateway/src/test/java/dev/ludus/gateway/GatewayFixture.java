package dev.ludus.gateway;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

import org.junit.rules.ExternalResource;

import dev.ludus.api.rooms.RoomService;
import dev.ludus.rooms.TestRooms;
import dev.ludus.testing.fixtures.MemoryEventStore;
import dev.ludus.testing.fixtures.ProtocolClient;
import dev.ludus.testing.fixtures.TurnGame;

/**
 * What every gateway test stands on: the real rooms runtime with the small test game over an
 * in-memory event store, a resume-token key, and the servers and clients a test opened, closed
 * after it in reverse order.
 */
final class GatewayFixture extends ExternalResource {

    final byte[] key = new byte[32];
    MemoryEventStore events;
    TestRooms rooms;
    private final List<AutoCloseable> open = new ArrayList<>();
    /** Threads for players a test runs side by side; stopped first after the test. */
    final java.util.concurrent.ExecutorService players = java.util.concurrent.Executors.newCachedThreadPool();

    @Override
    protected void before() {
        new SecureRandom().nextBytes(key);
        events = new MemoryEventStore();
        // These tests are about sessions and resumes, and several count on bots playing a dropped
        // player's seat at once: no disconnect grace (the rooms module tests the grace).
        rooms = new TestRooms(new TurnGame(), events, events, 20, 0);
    }

    @Override
    protected void after() {
        players.shutdownNow();
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception e) {
                // already closed
            }
        }
        rooms.close();
        events.close();
    }

    /** Closes {@code c} after the test; returns it. */
    <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }

    TestServer server(TestConfig cfg) throws Exception {
        return track(new TestServer(cfg, rooms.service(), key));
    }

    /** A client that has said hello and been welcomed. */
    ProtocolClient hello(TestServer s, String name) throws Exception {
        return track(ProtocolClient.hello(s.uri(), name));
    }

    /** A client that has said hello asking for {@code batch} messages. */
    ProtocolClient helloBatching(TestServer s, String name) throws Exception {
        return track(ProtocolClient.helloBatching(s.uri(), name));
    }

    RoomService service() {
        return rooms.service();
    }
}
