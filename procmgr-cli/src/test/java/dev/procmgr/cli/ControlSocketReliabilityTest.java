package dev.procmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.procmgr.tck.Procs;
import dev.procmgr.tck.ReliabilityFigures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor's control socket under abuse: random bytes, a 10 MB line, 200 clients at once,
 * clients that never send, clients that hang up in the middle of a reply. Each test runs
 * {@code procmgr up} in this JVM and checks afterwards that the supervisor still answers, that
 * its programs are as they were (same states, same pids) and that this JVM holds no more
 * descriptors and threads than before (once the server's client threads have ended). Figures go
 * to stdout as {@code RELIABILITY socket ...} lines.
 */
@Tag("reliability")
@Timeout(300)
class ControlSocketReliabilityTest {

    static final String CONFIG = """
            programs:
              ticker:
                command: [sh, -c, 'seq 1 2000; while true; do echo tick; sleep 0.1; done']
                stop_timeout: 2s
              sleeper:
                command: [sleep, "300"]
            """;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FD_TOLERANCE = 2;
    private static final int THREAD_TOLERANCE = 4;

    @TempDir
    Path dir;

    private Path config;
    private Path socket;
    private Thread upThread;
    private final AtomicInteger upCode = new AtomicInteger(-1);
    private final StringWriter upErr = new StringWriter();
    private Map<String, String> stateBefore;
    private int fdsBefore;
    private int threadsBefore;

    @BeforeEach
    void up() throws Exception {
        config = dir.resolve("procmgr.yaml");
        Files.writeString(config, CONFIG);
        upThread = new Thread(() -> upCode.set(Main.run(new String[] {"up", "-f", config.toString()}, Map.of(),
                new PrintWriter(new StringWriter(), true), new PrintWriter(upErr, true))), "test-up");
        upThread.start();
        socket = dir.resolve(".procmgr/procmgr.sock");
        Cli.await("supervisor answers", () -> upCode.get() != -1 || Cli.run("status", "-f", config.toString()).code() == 0);
        assertThat(upCode.get()).as("up ended early: %s", upErr).isEqualTo(-1);
        Cli.await("programs running", () -> {
            Map<String, String> s = state();
            return s.values().stream().allMatch(v -> v.startsWith("RUNNING"));
        });
        Cli.await("ticker's burst captured", () -> Cli.at(socket, "logs", "ticker", "-n", "1000").out().lines().count() == 1000);
        stateBefore = state();
        Thread.sleep(200);
        fdsBefore = ReliabilityFigures.openFds();
        threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
    }

    @AfterEach
    void down() throws Exception {
        if (upThread != null && upThread.isAlive()) {
            Cli.run("down", "-f", config.toString());
            upThread.join(60_000);
        }
        Cli.assertNoDescendants();
    }

    /** tag -> "STATE pid" from status, through the socket. */
    private Map<String, String> state() {
        Map<String, String> m = new TreeMap<>();
        for (JsonNode p : Cli.status(socket)) {
            m.put(p.path("tag").asText(), p.path("state").asText() + " " + p.path("pid").asText());
        }
        return m;
    }

    /** The supervisor still answers, its programs are untouched, and nothing leaked. */
    private String assertUnharmed(String what) {
        assertThat(upThread.isAlive()).as("supervisor still up after %s: %s", what, upErr).isTrue();
        assertThat(ControlClient.alive(socket, JSON)).as("ping after %s", what).isTrue();
        assertThat(state()).as("programs after %s", what).isEqualTo(stateBefore);
        boolean settled = Procs.await(Duration.ofSeconds(30), () -> ReliabilityFigures.openFds() <= fdsBefore + FD_TOLERANCE
                && ManagementFactory.getThreadMXBean().getThreadCount() <= threadsBefore + THREAD_TOLERANCE);
        int fds = ReliabilityFigures.openFds();
        int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        String figures = "fds=" + fdsBefore + "->" + fds + " threads=" + threadsBefore + "->" + threads;
        assertThat(settled).as("descriptors and threads back after %s: %s", what, figures).isTrue();
        return figures;
    }

    private SocketChannel connect() throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(socket));
        return c;
    }

    private static void writeAll(SocketChannel c, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    /** One reply line (blocking), or null at end of stream. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                return line.toString(StandardCharsets.UTF_8);
            }
            line.write(b);
        }
        return line.size() > 0 ? line.toString(StandardCharsets.UTF_8) : null;
    }

    // ------------------------------------------------------------------ the socket file

    @Test
    void socketIsPrivate() throws IOException {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent()))).isEqualTo("rwx------");
        System.out.println("RELIABILITY socket test=mode socket=rw------- dir=rwx------");
    }

    // ------------------------------------------------------------------ random bytes

    @Test
    void tenThousandRandomByteStrings() throws Exception {
        int total = Integer.getInteger("socket.random", 10_000);
        int clients = 8;
        Random seedSource = new Random();
        long seed = seedSource.nextLong();
        AtomicInteger replies = new AtomicInteger();
        AtomicInteger hungUp = new AtomicInteger();
        List<String> wrong = Collections.synchronizedList(new ArrayList<>());
        List<Thread> ts = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int k = 0; k < clients; k++) {
            Random rnd = new Random(seed + k);
            int share = total / clients + (k < total % clients ? 1 : 0);
            Thread t = new Thread(() -> {
                try {
                    SocketChannel c = connect();
                    InputStream in = Channels.newInputStream(c);
                    for (int i = 0; i < share; i++) {
                        byte[] s = randomLine(rnd);
                        writeAll(c, s);
                        if (i % 50 == 49) {
                            c.close(); // gone before the reply
                            hungUp.incrementAndGet();
                            c = connect();
                            in = Channels.newInputStream(c);
                            continue;
                        }
                        String reply = readLine(in);
                        JsonNode r = reply == null ? null : JSON.readTree(reply);
                        if (r == null || r.path("ok").asBoolean(true) || !r.has("error")) {
                            wrong.add(new String(s, StandardCharsets.ISO_8859_1).strip() + " -> " + reply);
                        }
                        replies.incrementAndGet();
                    }
                    c.close();
                } catch (IOException e) {
                    wrong.add("client failed: " + e);
                }
            });
            ts.add(t);
            t.start();
        }
        for (Thread t : ts) {
            t.join();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        String figures = assertUnharmed("random bytes");
        System.out.printf("RELIABILITY socket test=random-bytes strings=%d seed=%d clients=%d errorReplies=%d hungUpBeforeReply=%d "
                + "wrong=%d seconds=%.1f %s%n", total, seed, clients, replies.get(), hungUp.get(), wrong.size(), secs, figures);
        assertThat(wrong).as("requests without an error reply (seed %d)", seed).isEmpty();
    }

    /** 1-2000 random bytes, no newline, not all blank (a blank line gets no reply, by design), then a newline. */
    private static byte[] randomLine(Random rnd) {
        while (true) {
            byte[] b = new byte[1 + rnd.nextInt(2000)];
            rnd.nextBytes(b);
            boolean blank = true;
            for (int i = 0; i < b.length; i++) {
                if (b[i] == '\n') {
                    b[i] = '?';
                }
                if (!Character.isWhitespace((char) (b[i] & 0xff))) {
                    blank = false;
                }
            }
            if (!blank) {
                byte[] line = java.util.Arrays.copyOf(b, b.length + 1);
                line[b.length] = '\n';
                return line;
            }
        }
    }

    // ------------------------------------------------------------------ a 10 MB line

    @Test
    void tenMegabyteLine() throws Exception {
        for (boolean withNewline : new boolean[] {true, false}) {
            SocketChannel c = connect();
            byte[] big = new byte[10 * 1024 * 1024 + (withNewline ? 1 : 0)];
            java.util.Arrays.fill(big, (byte) 'x');
            big[0] = '{';
            if (withNewline) {
                big[big.length - 1] = '\n';
            }
            AtomicInteger written = new AtomicInteger();
            Thread writer = new Thread(() -> {
                try {
                    ByteBuffer b = ByteBuffer.wrap(big);
                    while (b.hasRemaining()) {
                        written.addAndGet(c.write(b));
                    }
                } catch (IOException expected) {
                    // the supervisor hangs up after its error reply
                }
            });
            writer.start();
            String reply = readLine(Channels.newInputStream(c));
            writer.join(60_000);
            c.close();
            assertThat(writer.isAlive()).isFalse();
            assertThat(reply).isNotNull();
            JsonNode r = JSON.readTree(reply);
            assertThat(r.path("ok").asBoolean()).isFalse();
            assertThat(r.path("error").asText()).contains("request too large").contains("nothing changed");
            System.out.println("RELIABILITY socket test=10MB-line newline=" + withNewline + " acceptedBytes=" + written.get()
                    + " reply=" + reply);
        }
        System.out.println("RELIABILITY socket test=10MB-line " + assertUnharmed("10 MB lines"));
    }

    // ------------------------------------------------------------------ many clients

    @Test
    void twoHundredConcurrentClients() throws Exception {
        int n = 200;
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger busy = new AtomicInteger();
        List<String> wrong = Collections.synchronizedList(new ArrayList<>());
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(() -> {
                try {
                    go.await();
                    try (SocketChannel c = connect()) {
                        writeAll(c, "{\"op\":\"status\"}\n".getBytes(StandardCharsets.UTF_8));
                        String reply = readLine(Channels.newInputStream(c));
                        JsonNode r = reply == null ? null : JSON.readTree(reply);
                        if (r != null && r.path("ok").asBoolean() && r.path("programs").size() == 2) {
                            ok.incrementAndGet();
                        } else if (r != null && r.path("error").asText().contains("too many control connections")) {
                            busy.incrementAndGet();
                        } else {
                            wrong.add(String.valueOf(reply));
                        }
                    }
                } catch (Exception e) {
                    wrong.add(e.toString());
                }
            });
            ts.add(t);
            t.start();
        }
        long t0 = System.nanoTime();
        go.countDown();
        for (Thread t : ts) {
            t.join();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String figures = assertUnharmed("200 concurrent clients");
        System.out.println("RELIABILITY socket test=200-concurrent-clients answered=" + ok.get() + " refusedBusy=" + busy.get()
                + " wrong=" + wrong.size() + " ms=" + ms + " " + figures);
        assertThat(wrong).isEmpty();
        assertThat(ok.get() + busy.get()).isEqualTo(n);
        assertThat(ok.get()).isGreaterThanOrEqualTo(ControlServer.MAX_CLIENTS);
    }

    // ------------------------------------------------------------------ silent clients

    @Test
    void silentClientsBelowTheCapDoNotHoldUpOthers() throws Exception {
        int silent = ControlServer.MAX_CLIENTS - 4;
        List<SocketChannel> quiet = new ArrayList<>();
        try {
            for (int i = 0; i < silent; i++) {
                quiet.add(connect());
            }
            SocketChannel half = connect();
            quiet.add(half);
            writeAll(half, "{\"op\":\"sta".getBytes(StandardCharsets.UTF_8));
            Thread.sleep(300);
            for (int i = 0; i < 20; i++) {
                assertThat(Cli.at(socket, "status").code()).as("status %d with %d silent clients", i, silent + 1).isZero();
            }
        } finally {
            for (SocketChannel c : quiet) {
                c.close();
            }
        }
        System.out.println("RELIABILITY socket test=silent-clients silent=" + (silent + 1) + " statusServed=20 "
                + assertUnharmed("silent clients"));
    }

    /**
     * More than {@link ControlServer#MAX_CLIENTS} clients that connect and never send: the server
     * drops the one idle longest to make room, so an operator's command still gets in (it used to
     * get "too many control connections" for {@link ControlServer#IDLE_TIMEOUT_MILLIS}).
     */
    @Test
    void silentClientsAtTheCapDoNotLockOutTheOperator() throws Exception {
        List<SocketChannel> quiet = new ArrayList<>();
        try {
            for (int i = 0; i < ControlServer.MAX_CLIENTS + 8; i++) {
                quiet.add(connect());
            }
            Thread.sleep(300);
            Cli.Result r = Cli.at(socket, "status");
            System.out.println("RELIABILITY socket test=silent-clients-at-cap silent=" + quiet.size() + " statusExit=" + r.code()
                    + " err=" + r.err().strip());
            assertThat(r.code()).as("status with %d silent clients: %s", quiet.size(), r.err()).isZero();
        } finally {
            for (SocketChannel c : quiet) {
                c.close();
            }
        }
    }

    // ------------------------------------------------------------------ clients gone mid-reply

    @Test
    void clientsDisconnectingMidReply() throws Exception {
        int rounds = 300;
        byte[][] requests = {
            "{\"op\":\"logs\",\"tag\":\"ticker\",\"n\":1000}\n".getBytes(StandardCharsets.UTF_8),
            "{\"op\":\"status\"}\n".getBytes(StandardCharsets.UTF_8),
            "{\"op\":\"logs\",\"tag\":\"ticker\",\"n\":1000,\"follow\":true}\n".getBytes(StandardCharsets.UTF_8),
        };
        int partial = 0;
        for (int i = 0; i < rounds; i++) {
            try (SocketChannel c = connect()) {
                writeAll(c, requests[i % requests.length]);
                if (i % 2 == 1) {
                    // read a little of the reply, then hang up
                    ByteBuffer some = ByteBuffer.allocate(64);
                    c.read(some);
                    partial++;
                }
            }
        }
        String figures = assertUnharmed("clients hanging up mid-reply");
        System.out.println("RELIABILITY socket test=disconnect-mid-reply rounds=" + rounds + " readPartReply=" + partial
                + " requests=logs-1000,status,logs-follow " + figures);
    }
}
