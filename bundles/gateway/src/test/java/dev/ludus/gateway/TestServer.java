package dev.ludus.gateway;

import java.net.URI;
import java.time.Clock;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import dev.ludus.api.rooms.RoomService;

/**
 * A real Jetty 12 server with the gateway's servlet at {@code /ws}, as the HTTP whiteboard
 * registers it, for tests that need no framework.
 */
final class TestServer implements AutoCloseable {

    final Gateway gateway;
    private final Server server;
    private final int port;

    TestServer(GatewayConfig config, RoomService rooms, byte[] key) throws Exception {
        gateway = new Gateway(config, new ResumeTokens(key, Clock.systemUTC()), Clock.systemUTC());
        gateway.start();
        gateway.rooms(rooms);
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder(new EndpointServlet(gateway)), "/ws");
        server.setHandler(context);
        server.start();
        port = connector.getLocalPort();
    }

    URI uri() {
        return URI.create("ws://127.0.0.1:" + port + "/ws");
    }

    int port() {
        return port;
    }

    /** Stops the gateway as the bundle would, then the server. */
    @Override
    public void close() throws Exception {
        gateway.stop();
        Thread.sleep(100);
        server.stop();
    }

    static final class EndpointServlet extends UpgradeServlet {
        private static final long serialVersionUID = 1L;
        private final transient Gateway gateway;

        EndpointServlet(Gateway gateway) {
            this.gateway = gateway;
        }

        @Override
        protected Gateway gateway() {
            return gateway;
        }
    }
}
