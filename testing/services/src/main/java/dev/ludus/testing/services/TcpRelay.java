package dev.ludus.testing.services;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay on a loopback port in front of another loopback port, that can break the network in
 * two ways: a {@linkplain #cut cut} closes every relayed connection and closes every new one at
 * once, until {@link #restore}; a {@linkplain #blackHole black hole} keeps the
 * open connections open but drops whatever they carry from then on (a dead link that never closes),
 * while new connections work. Each relayed connection is two daemon threads copying bytes.
 *
 * <p>The relay keeps its listening socket through a cut: its port is an ephemeral one, and once
 * released another connection of this machine could take it, so listening again could fail
 * ("Address already in use", seen in a CI run).
 */
public final class TcpRelay implements AutoCloseable {

    private final int target;
    private final int port;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    /** The sockets whose bytes are dropped. */
    private final Set<Socket> holes = ConcurrentHashMap.newKeySet();
    private final ServerSocket server;
    /** Set by a cut: connections are closed as soon as they are accepted. */
    private volatile boolean refusing;

    public TcpRelay(int target) throws IOException {
        this.target = target;
        this.server = listen(0);
        this.port = server.getLocalPort();
    }

    /** The port the relay listens on, the same across cuts. */
    public int port() {
        return port;
    }

    /** Closes every relayed connection and refuses new ones until {@link #restore}. */
    public synchronized void cut() throws IOException {
        refusing = true;
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        sockets.clear();
    }

    /** From now on, drops every byte on the connections open now, without closing them. */
    public void blackHole() {
        holes.addAll(sockets);
    }

    /** Relays new connections again; returns once they are. */
    public synchronized void restore() throws IOException {
        refusing = false;
    }

    private ServerSocket listen(int at) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), at));
        Thread t = new Thread(() -> accept(s), "relay-accept-" + s.getLocalPort());
        t.setDaemon(true);
        t.start();
        return s;
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket in = s.accept();
                if (refusing) {
                    closeQuietly(in);
                    continue;
                }
                Socket out;
                try {
                    out = new Socket(InetAddress.getLoopbackAddress(), target);
                } catch (IOException e) {
                    closeQuietly(in);
                    continue;
                }
                sockets.add(in);
                sockets.add(out);
                pump(in, out);
                pump(out, in);
            } catch (IOException e) {
                // closed by a cut, or the target refused: the browser sees the connection end
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) >= 0;) {
                    if (!holes.contains(from)) {
                        out.write(buf, 0, n);
                    }
                }
            } catch (IOException e) {
                // one side ended
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
                holes.remove(from);
                holes.remove(to);
            }
        }, "relay-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public synchronized void close() throws IOException {
        cut();
        server.close();
    }
}
