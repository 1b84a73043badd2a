package dev.procmgr.cli;

import static dev.procmgr.cli.Cli.at;
import static dev.procmgr.cli.Cli.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code procmgr up} in this JVM, driven through its socket by the other commands. */
@Timeout(180)
class SupervisorInProcessTest {

    @TempDir
    Path dir;

    private Thread upThread;
    private final AtomicInteger upCode = new AtomicInteger(-1);
    private final StringWriter upErr = new StringWriter();

    private Path startUp(Path config, String... extra) {
        String[] args = new String[2 + extra.length + 2];
        args[0] = "up";
        args[1] = "-f";
        System.arraycopy(extra, 0, args, 3, extra.length);
        args[2] = config.toString();
        args = java.util.Arrays.stream(args).filter(java.util.Objects::nonNull).toArray(String[]::new);
        String[] finalArgs = args;
        upThread = new Thread(() -> upCode.set(Main.run(finalArgs, Map.of(), new PrintWriter(new StringWriter(), true),
                new PrintWriter(upErr, true))), "test-up");
        upThread.start();
        Path socket = config.getParent().resolve(".procmgr/procmgr.sock");
        await("supervisor ready (autostart programs started)", () -> upCode.get() != -1 || ready(socket));
        assertThat(upCode.get()).as("up ended early: %s", upErr).isEqualTo(-1);
        return socket;
    }

    /** True once the supervisor answers and has started its autostart programs. */
    static boolean ready(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (ControlClient c = ControlClient.connect(socket, Cli.JSON)) {
            return c.call(Protocol.request(Cli.JSON, "ping"), 10_000).path("ready").asBoolean();
        } catch (CliException e) {
            return false;
        }
    }

    @AfterEach
    void down() throws Exception {
        if (upThread != null && upThread.isAlive()) {
            Cli.run("down", "-f", dir.resolve("procmgr.yaml").toString());
            upThread.join(60_000);
        }
        Cli.assertNoDescendants();
    }

    @Test
    void everyCommandThroughTheSocket() throws Exception {
        Path config = SupervisorScenario.writeConfig(dir);
        Path socket = startUp(config);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent()))).isEqualTo("rwx------");

        // a second up on the same socket refuses while the first is alive
        Cli.Result second = Cli.run("up", "-f", config.toString());
        assertThat(second.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(second.err()).contains("already running on " + socket);

        SupervisorScenario.run(config, socket);

        Cli.Result down = at(socket, "down").ok();
        assertThat(down.out()).contains("supervisor ended");
        upThread.join(60_000);
        assertThat(upCode.get()).isZero();
        assertThat(socket).doesNotExist();
        assertThat(at(socket, "status").code()).isEqualTo(ExitCodes.NO_SUPERVISOR);
    }

    @Test
    void removesAStaleSocketLeftByADeadSupervisor() throws Exception {
        Path config = dir.resolve("procmgr.yaml");
        Files.writeString(config, "programs:\n  s:\n    command: [sleep, \"300\"]\n");
        Path socket = dir.resolve(".procmgr/procmgr.sock");
        Files.createDirectories(socket.getParent());
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();
        assertThat(Cli.run("status", "-f", config.toString()).code()).isEqualTo(ExitCodes.NO_SUPERVISOR);
        startUp(config);
        JsonNode s = Cli.program(socket, "s");
        assertThat(s.path("state").asText()).as("state of s: %s; up said: %s", s, upErr).isIn("STARTING", "RUNNING");
        assertThat(upErr.toString()).contains("removed stale control socket");
    }

    @Test
    void startFailuresShowInStatusAndTheEnvironmentNamesTheSocket() throws Exception {
        Path config = dir.resolve("procmgr.yaml");
        Files.writeString(config, "programs:\n  ok:\n    command: [sleep, \"300\"]\n  broken:\n    command: [/no/such/program]\n");
        Path socket = startUp(config);
        StringWriter out = new StringWriter();
        int code = Main.run(new String[] {"status"}, Map.of("PROCMGR_SOCKET", socket.toString()), new PrintWriter(out, true),
                new PrintWriter(new StringWriter(), true));
        assertThat(code).isZero();
        assertThat(out.toString()).containsPattern("broken +FATAL +- +- +0 +start failed +/no/such/program")
                .containsPattern("ok +(STARTING|RUNNING) +\\d+");
        assertThat(Cli.program(socket, "broken").path("message").asText()).contains("/no/such/program");
        Cli.Result start = at(socket, "start", "broken");
        assertThat(start.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(start.err()).contains("broken: ").contains("/no/such/program");
        assertThat(Cli.program(socket, "ok").path("state").asText()).isIn("STARTING", "RUNNING");
    }

    @Test
    void badConfigFilesNameFileLineAndKey() throws Exception {
        Path config = dir.resolve("procmgr.yaml");
        Files.writeString(config, "programs:\n  web:\n    command: [sleep, \"1\"]\n    stop_timeout: 10x\n");
        Cli.Result r = Cli.run("up", "-f", config.toString());
        assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.err()).startsWith("procmgr: " + config + ":4: programs.web.stop_timeout: invalid duration '10x'")
                .doesNotContain("Exception").doesNotContain("\tat ");
        Files.writeString(config, "programs:\n  web:\n    command: [sleep, \"1\"]\n    colour: blue\n");
        assertThat(Cli.run("up", "-f", config.toString()).err()).contains(":4: programs.web.colour: unknown key");
        Files.writeString(config, "programs:\n  web:\n    command: [sleep, \"1\"]\n    max_restarts: lots\n");
        assertThat(Cli.run("up", "-f", config.toString()).err()).contains(":4: programs.web.max_restarts: expected a whole number");
        assertThat(socketFileIn(dir)).isFalse();
    }

    @Test
    void usageErrorsAndHelp() {
        assertThat(Cli.run("frobnicate").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("up", "--backend", "rocket").code()).isEqualTo(ExitCodes.USAGE);
        Cli.Result help = Cli.run("status", "--help").ok();
        assertThat(help.out()).contains("Exit codes:").contains("3   unknown tag").contains("4   no supervisor running");
        for (String cmd : new String[] {"up", "start", "stop", "restart", "add", "remove", "logs", "reload", "down", "run"}) {
            assertThat(Cli.run(cmd, "--help").ok().out()).as(cmd).contains("Usage: procmgr " + cmd).contains("Exit codes:");
        }
        assertThat(Cli.run("--version").ok().out()).startsWith("procmgr ");
        assertThat(Cli.run("generate-completion").ok().out()).contains("complete").contains("procmgr");
        Cli.Result none = Cli.run("status", "--socket", dir.resolve("none.sock").toString());
        assertThat(none.code()).isEqualTo(ExitCodes.NO_SUPERVISOR);
        assertThat(none.err()).contains("no supervisor running").doesNotContain("Exception");
    }

    private static boolean socketFileIn(Path dir) {
        return Files.exists(dir.resolve(".procmgr/procmgr.sock"));
    }
}
