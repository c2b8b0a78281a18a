package dev.ludus.gateway;

import java.io.IOException;
import java.net.SocketAddress;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.util.FutureCallback;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.server.Handshaker;
import org.eclipse.jetty.websocket.core.server.WebSocketServerComponents;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The servlet of the WebSocket path. A WebSocket upgrade is admitted or refused by the
 * {@link Gateway} ({@link Gateway#accept}), then made on Jetty's core WebSocket layer with the
 * gateway's {@link Connection} as the frame handler. Jetty's endpoint API is not used: its session
 * keeps the upgrade's whole HTTP exchange (request, response, their headers and attributes)
 * reachable for the connection's life, about a third of what an idle connection holds; the core
 * layer keeps only what the connection needs. Any other request gets what a servlet answers by
 * default (405 for a GET that asks for no upgrade).
 */
public abstract class UpgradeServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private transient volatile WebSocketComponents components;
    private final transient Handshaker handshaker = Handshaker.newInstance();

    /** The gateway that takes this servlet's connections; null while there is none. */
    protected abstract Gateway gateway();

    /**
     * The server's WebSocket buffers, extensions and deflater pools, found (or made once) on the
     * context of the first upgrade. Not in {@code init()}: the HTTP whiteboard initialises a
     * servlet with a servlet context of its own, from which Jetty's context cannot be reached, and
     * outside any request.
     */
    private WebSocketComponents components(ServletContextRequest request) {
        WebSocketComponents c = components;
        if (c == null) {
            synchronized (this) {
                c = components;
                if (c == null) {
                    ServletContextHandler context = request.getServletContextHandler();
                    c = WebSocketServerComponents.ensureWebSocketComponents(context.getServer(), context);
                    components = c;
                }
            }
        }
        return c;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        Handshaker h = handshaker;
        ServletContextRequest request = ServletContextRequest.getServletContextRequest(req);
        if (request != null && h.isWebSocketUpgradeRequest(request)) {
            Gateway g = gateway();
            if (g == null) {
                resp.sendError(503, "the gateway is not active");
                return;
            }
            Connection c = g.accept(new ServletUpgrade(req, resp, request));
            if (c == null) {
                return; // refused, the response sent
            }
            FutureCallback callback = new FutureCallback();
            if (h.upgradeRequest((upgradeRequest, upgradeResponse, cb) -> c, request,
                    request.getServletContextResponse(), callback, components(request), null)) {
                callback.block();
                return;
            }
        }
        super.service(req, resp);
    }

    /** An upgrade request as the gateway reads it: headers and addresses, refused by a servlet error. */
    private record ServletUpgrade(HttpServletRequest req, HttpServletResponse resp, ServletContextRequest request)
            implements Gateway.Upgrade {
        @Override
        public String getHeader(String name) {
            return req.getHeader(name);
        }

        @Override
        public SocketAddress getLocalSocketAddress() {
            return request.getConnectionMetaData().getLocalSocketAddress();
        }

        @Override
        public SocketAddress getRemoteSocketAddress() {
            return request.getConnectionMetaData().getRemoteSocketAddress();
        }

        @Override
        public void setHeader(String name, String value) {
            resp.setHeader(name, value);
        }

        @Override
        public void sendError(int status, String reason) throws IOException {
            resp.sendError(status, reason);
        }
    }
}
