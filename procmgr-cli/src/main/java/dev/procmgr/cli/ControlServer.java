package dev.procmgr.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The supervisor's control socket: a Unix domain socket (mode 0600) that takes one JSON object
 * per line and answers each with one or more JSON lines. One daemon thread per client (capped; at
 * the cap the connection idle longest makes room, so silent clients cannot lock anyone out);
 * reads and writes time out, so a slow or silent client holds only its own thread, and only for
 * a while. A malformed or oversized request gets an error reply and changes nothing.
 */
final class ControlServer implements AutoCloseable {

    /** How long a connected client may stay silent before it is dropped. */
    static final long IDLE_TIMEOUT_MILLIS = 60_000;
    /** How long a client may take to read a reply. */
    static final long WRITE_TIMEOUT_MILLIS = 10_000;
    /** Connections kept at once; at the cap the one idle longest is dropped for a new one. */
    static final int MAX_CLIENTS = 32;

    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);

    /** Handles one request of one client. Runs on that client's thread. */
    interface Handler {
        void handle(ObjectNode request, Session session) throws IOException;
    }

    /** The connection of one client, as a handler sees it. */
    static final class Session {
        private final LineChannel channel;
        private final ObjectMapper json;
        private final ControlServer server;
        private boolean ended;

        Session(LineChannel channel, ObjectMapper json, ControlServer server) {
            this.channel = channel;
            this.json = json;
            this.server = server;
        }

        /** Sends one JSON line. */
        void send(ObjectNode reply) throws IOException {
            channel.writeLine(json.writeValueAsString(reply), WRITE_TIMEOUT_MILLIS);
        }

        /** Sends {@code {"ok":false,"code":code,"error":message}}. */
        void error(int code, String message) throws IOException {
            send(Protocol.error(json, code, message));
        }

        /** True once the client hung up (non-blocking check, for streaming replies). */
        boolean clientGone() {
            try {
                return channel.peerClosed();
            } catch (IOException e) {
                return true;
            }
        }

        /** True once the server is closing. */
        boolean serverClosed() {
            return server.closed;
        }

        ObjectMapper json() {
            return json;
        }

        /** Closes the connection once the handler returns (after a stream of replies ended). */
        void end() {
            ended = true;
        }
    }

    private final Path socket;
    private final Handler handler;
    private final ObjectMapper json;
    /** Every open client connection, with since when it waits for a request (nanoTime), or BUSY. */
    private final Map<LineChannel, AtomicLong> clients = new ConcurrentHashMap<>();
    private static final long BUSY = Long.MAX_VALUE;
    private ServerSocketChannel server;
    private volatile boolean closed;

    ControlServer(Path socket, Handler handler, ObjectMapper json) {
        this.socket = socket;
        this.handler = handler;
        this.json = json;
    }

    /**
     * Binds the socket (which must not exist: the caller holds the lock and removed a stale one),
     * makes it 0600 and starts accepting.
     */
    void start() throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            server.close();
            throw e;
        }
        Thread t = new Thread(this::acceptLoop, "procmgr-control-accept");
        t.setDaemon(true);
        t.start();
    }

    Path socket() {
        return socket;
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("control socket: accept failed: {}", e.getMessage());
                }
                continue;
            }
            boolean tooMany = clients.size() >= MAX_CLIENTS && !evictLongestIdle();
            Thread t = new Thread(() -> serve(c, tooMany), "procmgr-control-client");
            t.setDaemon(true);
            t.start();
        }
    }

    /**
     * Makes room at the cap: closes the connection that has waited longest for a request (never a
     * client whose request is being handled), so that idle or silent connections can never lock
     * an operator out. Returns false when every connection is busy.
     */
    private boolean evictLongestIdle() {
        LineChannel oldest = null;
        long since = BUSY;
        for (Map.Entry<LineChannel, AtomicLong> e : clients.entrySet()) {
            long s = e.getValue().get();
            if (s < since) {
                since = s;
                oldest = e.getKey();
            }
        }
        if (oldest == null) {
            return false;
        }
        LOG.debug("control socket: {} connections; dropping the one idle longest", clients.size());
        clients.remove(oldest);
        oldest.close();
        return true;
    }

    private void serve(SocketChannel c, boolean tooMany) {
        LineChannel lc;
        try {
            lc = new LineChannel(c, LineChannel.MAX_LINE);
        } catch (IOException e) {
            closeQuietly(c);
            return;
        }
        AtomicLong idleSince = new AtomicLong(System.nanoTime());
        clients.put(lc, idleSince);
        Session session = new Session(lc, json, this);
        try {
            if (tooMany) {
                session.error(ExitCodes.FAILURE, "too many control connections (" + MAX_CLIENTS + "); try again");
                return;
            }
            while (!closed) {
                String line;
                idleSince.set(System.nanoTime());
                try {
                    line = lc.readLine(IDLE_TIMEOUT_MILLIS);
                } catch (LineChannel.LineTooLongException e) {
                    session.error(ExitCodes.USAGE, "request too large (more than " + LineChannel.MAX_LINE + " bytes); nothing changed");
                    return;
                } catch (LineChannel.TimeoutException e) {
                    return;
                }
                if (line == null) {
                    return;
                }
                if (line.isBlank()) {
                    continue;
                }
                idleSince.set(BUSY);
                JsonNode request;
                try {
                    request = json.readTree(line);
                } catch (JsonProcessingException e) {
                    session.error(ExitCodes.USAGE, "malformed request (not JSON): " + e.getOriginalMessage());
                    continue;
                }
                if (!(request instanceof ObjectNode obj)) {
                    session.error(ExitCodes.USAGE, "malformed request: expected a JSON object");
                    continue;
                }
                try {
                    handler.handle(obj, session);
                } catch (IOException e) {
                    throw e;
                } catch (RuntimeException | LinkageError e) {
                    // a bug, or a class path changed under a running JVM: answer, never leave the client hanging
                    LOG.warn("control request {} failed", obj.path("op").asText("?"), e);
                    session.error(ExitCodes.FAILURE, "internal error: " + e);
                }
                if (session.ended) {
                    return;
                }
            }
        } catch (IOException e) {
            LOG.debug("control client dropped: {}", e.toString());
        } finally {
            clients.remove(lc);
            lc.close();
        }
    }

    /** Stops accepting, drops every client and removes the socket file. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (server != null) {
            try {
                server.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        for (LineChannel c : clients.keySet()) {
            c.close();
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warn("cannot remove control socket {}: {}", socket, e.getMessage());
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
