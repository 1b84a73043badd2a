package dev.procmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The socket alone, with a handler that echoes: framing, limits, modes, slow clients. */
@Timeout(60)
class ControlServerTest {

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();
    private final AtomicInteger handled = new AtomicInteger();
    private ControlServer server;
    private Path socket;

    @BeforeEach
    void start() throws IOException {
        socket = dir.resolve("s.sock");
        server = new ControlServer(socket, (request, session) -> {
            handled.incrementAndGet();
            session.send(Protocol.ok(json).put("echo", request.path("op").asText()));
        }, json);
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void socketIsPrivateAndRemovedOnClose() throws IOException {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        server.close();
        assertThat(socket).doesNotExist();
    }

    @Test
    void answersOneLinePerRequestOnOneConnection() {
        try (ControlClient c = ControlClient.connect(socket, json)) {
            assertThat(c.call(Protocol.request(json, "a"), 10_000).path("echo").asText()).isEqualTo("a");
            assertThat(c.call(Protocol.request(json, "b"), 10_000).path("echo").asText()).isEqualTo("b");
        }
    }

    @Test
    void malformedRequestGetsAnErrorAndTheConnectionGoesOn() throws IOException {
        try (SocketChannel raw = connect(); LineChannel lc = new LineChannel(raw, LineChannel.MAX_LINE)) {
            lc.writeLine("{not json", 5_000);
            ObjectNode reply = (ObjectNode) json.readTree(lc.readLine(10_000));
            assertThat(reply.path("ok").asBoolean()).isFalse();
            assertThat(reply.path("code").asInt()).isEqualTo(ExitCodes.USAGE);
            assertThat(reply.path("error").asText()).contains("malformed");
            lc.writeLine("[1,2]", 5_000);
            assertThat(json.readTree(lc.readLine(10_000)).path("error").asText()).contains("expected a JSON object");
            lc.writeLine("{\"op\":\"x\"}", 5_000);
            assertThat(json.readTree(lc.readLine(10_000)).path("echo").asText()).isEqualTo("x");
        }
        assertThat(handled).hasValue(1);
    }

    @Test
    void oversizedRequestIsRefusedWithoutReachingTheHandler() throws Exception {
        try (SocketChannel raw = connect(); LineChannel lc = new LineChannel(raw, Integer.MAX_VALUE - 16)) {
            String big = "{\"op\":\"" + "x".repeat(LineChannel.MAX_LINE + 10) + "\"}";
            Thread writer = new Thread(() -> {
                try {
                    lc.writeLine(big, 10_000);
                } catch (IOException expected) {
                    // the server hangs up after its error reply
                }
            });
            writer.start();
            ObjectNode reply = (ObjectNode) json.readTree(lc.readLine(20_000));
            writer.join(20_000);
            assertThat(reply.path("ok").asBoolean()).isFalse();
            assertThat(reply.path("error").asText()).contains("too large");
        }
        assertThat(handled).hasValue(0);
        try (ControlClient c = ControlClient.connect(socket, json)) {
            assertThat(c.call(Protocol.request(json, "after"), 10_000).path("echo").asText()).isEqualTo("after");
        }
    }

    @Test
    void aSilentOrHalfWrittenClientDoesNotHoldUpOthers() throws IOException {
        try (SocketChannel silent = connect(); SocketChannel half = connect()) {
            half.write(ByteBuffer.wrap("{\"op\":\"ha".getBytes(StandardCharsets.UTF_8)));
            for (int i = 0; i < 5; i++) {
                try (ControlClient c = ControlClient.connect(socket, json)) {
                    assertThat(c.call(Protocol.request(json, "n" + i), 10_000).path("echo").asText()).isEqualTo("n" + i);
                }
            }
            assertThat(silent.isOpen()).isTrue();
        }
    }

    @Test
    void noSocketMeansNoSupervisor() {
        server.close();
        assertThat(ControlClient.alive(socket, json)).isFalse();
        try {
            ControlClient.connect(socket, json);
        } catch (CliException e) {
            assertThat(e.exitCode()).isEqualTo(ExitCodes.NO_SUPERVISOR);
            return;
        }
        throw new AssertionError("connected to a closed server");
    }

    private SocketChannel connect() throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(socket));
        return c;
    }

    /** Closing the server under idle clients ends their connection threads quietly. */
    @Test
    void closingUnderIdleClientsThrowsNothingInTheirThreads() throws Exception {
        java.util.List<Throwable> uncaught = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(e));
        try (SocketChannel a = connect(); SocketChannel b = connect()) {
            // both connections are now waiting for a request in the server's threads
            try (ControlClient c = ControlClient.connect(socket, json)) {
                assertThat(c.call(Protocol.request(json, "x"), 10_000).path("echo").asText()).isEqualTo("x");
            }
            server.close();
            Thread.sleep(500); // the connection threads notice the close
            assertThat(uncaught).as("exceptions escaping the server's connection threads").isEmpty();
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(before);
        }
    }
}
