package dev.procmgr.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A connection to a supervisor's control socket. Not thread-safe. */
final class ControlClient implements AutoCloseable {

    private final LineChannel channel;
    private final ObjectMapper json;
    private final Path socket;

    private ControlClient(LineChannel channel, ObjectMapper json, Path socket) {
        this.channel = channel;
        this.json = json;
        this.socket = socket;
    }

    /**
     * @throws CliException with exit code 4 when no supervisor listens on the socket
     */
    static ControlClient connect(Path socket, ObjectMapper json) {
        if (!Files.exists(socket)) {
            throw new CliException(ExitCodes.NO_SUPERVISOR, "no supervisor running: no control socket at " + socket
                    + " (start one with 'procmgr up', or give --socket / -f)");
        }
        if (Files.isRegularFile(socket) || Files.isDirectory(socket)) {
            throw new CliException(ExitCodes.NO_SUPERVISOR, "no supervisor running: " + socket + " is not a socket");
        }
        SocketChannel c = null;
        try {
            c = SocketChannel.open(StandardProtocolFamily.UNIX);
            c.connect(UnixDomainSocketAddress.of(socket));
            return new ControlClient(new LineChannel(c, Integer.MAX_VALUE - 16), json, socket);
        } catch (ConnectException e) {
            close(c);
            throw new CliException(ExitCodes.NO_SUPERVISOR, "no supervisor running: nobody listens on " + socket
                    + " (a stale socket; 'procmgr up' will remove it)");
        } catch (AccessDeniedException e) {
            close(c);
            throw new CliException(ExitCodes.FAILURE, "permission denied on control socket " + socket);
        } catch (IOException e) {
            close(c);
            String msg = String.valueOf(e.getMessage());
            if (msg.contains("ermission denied")) {
                throw new CliException(ExitCodes.FAILURE, "permission denied on control socket " + socket);
            }
            throw new CliException(ExitCodes.NO_SUPERVISOR, "cannot connect to " + socket + ": " + msg);
        }
    }

    /** True when a supervisor answers on the socket. */
    static boolean alive(Path socket, ObjectMapper json) {
        try (ControlClient c = connect(socket, json)) {
            return c.call(Protocol.request(json, "ping"), 5_000).path("ok").asBoolean();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Sends a request and returns its reply.
     *
     * @param timeoutMillis hang protection; 0: wait forever
     * @throws CliException carrying the reply's code when it is an error, or 1 when the
     *     supervisor goes away
     */
    ObjectNode call(ObjectNode request, long timeoutMillis) {
        send(request);
        ObjectNode reply = next(timeoutMillis);
        if (reply == null) {
            throw new CliException(ExitCodes.FAILURE, "the supervisor closed the connection without answering");
        }
        return check(reply);
    }

    void send(ObjectNode request) {
        try {
            channel.writeLine(json.writeValueAsString(request), 30_000);
        } catch (IOException e) {
            throw new CliException(ExitCodes.FAILURE, "cannot send to supervisor at " + socket + ": " + e.getMessage());
        }
    }

    /** The next line from the supervisor, or null when it closed the connection. */
    ObjectNode next(long timeoutMillis) {
        String line;
        try {
            line = channel.readLine(timeoutMillis);
        } catch (LineChannel.TimeoutException e) {
            throw new CliException(ExitCodes.FAILURE, "the supervisor did not answer within " + timeoutMillis / 1000 + " s");
        } catch (IOException e) {
            return null;
        }
        if (line == null) {
            return null;
        }
        try {
            JsonNode n = json.readTree(line);
            if (n instanceof ObjectNode o) {
                return o;
            }
        } catch (JsonProcessingException e) {
            // fall through
        }
        throw new CliException(ExitCodes.FAILURE, "unreadable reply from the supervisor: " + line);
    }

    static ObjectNode check(ObjectNode reply) {
        if (!reply.path("ok").asBoolean(false)) {
            int code = reply.path("code").asInt(ExitCodes.FAILURE);
            throw new CliException(code == 0 ? ExitCodes.FAILURE : code, reply.path("error").asText("request failed"));
        }
        return reply;
    }

    @Override
    public void close() {
        channel.close();
    }

    private static void close(SocketChannel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }
}
