package dev.procmgr.cli;

import static dev.procmgr.cli.Cli.at;
import static dev.procmgr.cli.Cli.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI as users run it: separate JVMs ({@code java -cp <test class path> dev.procmgr.cli.Main},
 * the same classes as the shaded jar), real processes, real signals, real exit codes.
 */
@Timeout(240)
class EndToEndTest {

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();

    private Process start(ProcessBuilder pb, String name) throws Exception {
        pb.redirectOutput(dir.resolve(name + ".out").toFile()).redirectError(dir.resolve(name + ".err").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        started.add(p);
        return p;
    }

    /** Runs a command in its own JVM to the end. */
    private Cli.Result jvm(String... args) throws Exception {
        String name = "cmd" + started.size();
        Process p = start(Cli.java(args), name);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("command %s ends", List.of(args)).isTrue();
        return new Cli.Result(p.exitValue(), Cli.read(dir.resolve(name + ".out")), Cli.read(dir.resolve(name + ".err")));
    }

    @AfterEach
    void cleanUp() {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroy();
                try {
                    p.waitFor(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        Cli.assertNoDescendants();
    }

    @Test
    void foregroundSupervisorInItsOwnJvm() throws Exception {
        Path config = SupervisorScenario.writeConfig(dir);
        Path socket = dir.resolve(".procmgr/procmgr.sock");
        Process up = start(Cli.java("up", "-f", config.toString()), "up");
        await("supervisor answers", Duration.ofSeconds(60), () -> !up.isAlive() || Cli.run("status", "-f", config.toString()).code() == 0);
        assertThat(up.isAlive()).as("up died: %s", Cli.read(dir.resolve("up.err"))).isTrue();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent()))).isEqualTo("rwx------");

        // client commands in their own JVMs: real exit codes
        Cli.Result status = jvm("status", "-f", config.toString());
        assertThat(status.code()).isZero();
        assertThat(status.out()).startsWith("TAG").contains("ticker").contains("sleeper");
        Cli.Result unknown = jvm("status", "-f", config.toString(), "nope");
        assertThat(unknown.code()).isEqualTo(ExitCodes.UNKNOWN_TAG);
        assertThat(unknown.err()).contains("unknown tag 'nope'").doesNotContain("Exception");
        Cli.Result secondUp = jvm("up", "-f", config.toString());
        assertThat(secondUp.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(secondUp.err()).contains("already running");

        SupervisorScenario.run(config, socket);

        // the console: each program's lines prefixed with its tag
        await("tagged console output", () -> Cli.read(dir.resolve("up.out")).lines().anyMatch(l -> l.matches("ticker +\\| tick \\d+")));
        assertThat(Cli.read(dir.resolve("up.out"))).containsPattern("ticker +\\| \\[err\\] warn \\d+");

        // SIGTERM: every program stopped gracefully, the supervisor exits
        List<Long> pids = new ArrayList<>();
        for (JsonNode p : Cli.status(socket)) {
            if (!p.path("pid").isNull()) {
                pids.add(p.path("pid").asLong());
            }
        }
        assertThat(pids).isNotEmpty();
        up.destroy();
        assertThat(up.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(up.exitValue()).isEqualTo(143);
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pid %d", pid).isFalse();
        }
        assertThat(socket).doesNotExist();
        assertThat(Cli.read(dir.resolve("up.err"))).contains("stopping all programs").doesNotContain("Exception");
        Cli.Result none = jvm("status", "-f", config.toString());
        assertThat(none.code()).isEqualTo(ExitCodes.NO_SUPERVISOR);
    }

    @Test
    void detachedSupervisorLogsToFilesAndGoesDown() throws Exception {
        Path config = SupervisorScenario.writeConfig(dir);
        Path socket = dir.resolve("ctl/s.sock");
        Cli.Result up = jvm("up", "-d", "-f", config.toString(), "--socket", socket.toString(), "--backend", "nuprocess");
        assertThat(up.code()).as(up.err()).isZero();
        assertThat(up.out()).contains("supervisor running in the background");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        long supervisorPid;
        try (ControlClient c = ControlClient.connect(socket, Cli.JSON)) {
            supervisorPid = c.call(Protocol.request(Cli.JSON, "ping"), 10_000).path("pid").asLong();
        }
        ProcessHandle supervisor = ProcessHandle.of(supervisorPid).orElseThrow();
        try {
            await("ticker logs to its file", () -> Cli.read(dir.resolve(".procmgr/logs/ticker.log")).contains("tick 3"));
            assertThat(Cli.read(dir.resolve(".procmgr/logs/ticker.err.log"))).contains("warn 1");
            await("crasher restarted twice", () -> {
                JsonNode c = Cli.program(socket, "crasher");
                return c.path("state").asText().equals("FATAL") && c.path("restarts").asInt() == 2;
            });
            assertThat(at(socket, "logs", "ticker", "-n", "2").ok().out().lines()).hasSize(2);
            Cli.Result down = jvm("down", "--socket", socket.toString());
            assertThat(down.code()).as(down.err()).isZero();
            assertThat(supervisor.onExit().get(60, TimeUnit.SECONDS).isAlive()).isFalse();
            assertThat(socket).doesNotExist();
            assertThat(Cli.read(dir.resolve(".procmgr/procmgr.log"))).contains("on backend nuprocess");
        } finally {
            supervisor.destroy();
        }
    }

    @Test
    void runForwardsSigtermAndReturnsTheChildsExitCode() throws Exception {
        // a child that handles TERM: its own exit code
        Process trapping = start(Cli.java("run", "--", "sh", "-c",
                "trap 'echo got TERM; exit 7' TERM; echo ready; while :; do sleep 0.1; done"), "trap");
        await("trap child ready", Duration.ofSeconds(60), () -> Cli.read(dir.resolve("trap.out")).contains("ready"));
        trapping.destroy();
        assertThat(trapping.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(trapping.exitValue()).isEqualTo(7);
        assertThat(Cli.read(dir.resolve("trap.out"))).contains("got TERM");

        // a child killed by TERM: 128 + 15
        Process sleeping = start(Cli.java("run", "--stop-timeout", "5s", "--", "sh", "-c", "echo ready; exec sleep 300"), "sleep");
        await("sleep child ready", Duration.ofSeconds(60), () -> Cli.read(dir.resolve("sleep.out")).contains("ready"));
        sleeping.destroy();
        assertThat(sleeping.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(sleeping.exitValue()).isEqualTo(128 + 15);

        // a plain exit code, and restarts on failure before giving up with the last code
        assertThat(jvm("run", "--", "sh", "-c", "sleep 0.3; exit 5").code()).isEqualTo(5);
        assertThat(jvm("run", "--backend", "nuprocess", "--", "sh", "-c", "sleep 0.3; exit 6").code()).isEqualTo(6);
        Cli.Result restarted = jvm("run", "--restart", "on-failure", "--max-restarts", "2", "--backoff", "100ms", "--",
                "sh", "-c", "echo attempt; sleep 0.3; exit 4");
        assertThat(restarted.code()).isEqualTo(4);
        assertThat(restarted.out().lines().filter("attempt"::equals).count()).isEqualTo(3);
        Cli.Result missing = jvm("run", "--", "/no/such/program");
        assertThat(missing.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(missing.err()).contains("/no/such/program").doesNotContain("\tat ");
    }
}
