package dev.procmgr.cli;

import static dev.procmgr.cli.Cli.at;
import static dev.procmgr.cli.Cli.await;
import static dev.procmgr.cli.Cli.program;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every control command against a running supervisor, through its socket. Used by the
 * in-process test and by the test with the supervisor in its own JVM.
 */
final class SupervisorScenario {

    static final String CONFIG = """
            programs:
              ticker:
                command: [sh, -c, 'i=0; while true; do i=$((i+1)); echo "tick $i"; echo "warn $i" >&2; sleep 0.2; done']
                stop_timeout: 5s
              crasher:
                command: [sh, -c, 'echo "crash soon"; sleep 0.3; exit 3']
                restart: on-failure
                max_restarts: 2
                backoff: 100ms
                start_seconds: 1s
              sleeper:
                command: [sleep, "300"]
                autostart: false
            """;

    static final String RELOADED = """
            programs:
              ticker:
                command: [sh, -c, 'while true; do echo "tock"; sleep 0.2; done']
                stop_timeout: 5s
              sleeper:
                command: [sleep, "300"]
                autostart: false
              extra:
                command: [sleep, "300"]
            """;

    private SupervisorScenario() {
    }

    static Path writeConfig(Path dir) throws Exception {
        Path f = dir.resolve("procmgr.yaml");
        Files.writeString(f, CONFIG);
        return f;
    }

    /** Drives every command; the supervisor is up on this socket with {@link #CONFIG}, and still up afterwards. */
    static void run(Path config, Path socket) throws Exception {
        // status: table and JSON
        await("ticker running", () -> "RUNNING".equals(program(socket, "ticker").path("state").asText()));
        Cli.Result table = at(socket, "status").ok();
        assertThat(table.out().lines().findFirst().orElseThrow())
                .matches("TAG +STATE +PID +UPTIME +RESTARTS +LAST EXIT +COMMAND");
        assertThat(table.out()).containsPattern("ticker +RUNNING +\\d+ +0:00:\\d\\d +0 +- +sh -c ");
        assertThat(table.out()).containsPattern("sleeper +STOPPED +- +- +0 +- +sleep 300");
        JsonNode sleeper = program(socket, "sleeper");
        assertThat(sleeper.path("pid").isNull()).isTrue();
        assertThat(sleeper.path("command").toString()).isEqualTo("[\"sleep\",\"300\"]");
        Cli.Result one = at(socket, "status", "--json", "ticker").ok();
        assertThat(Cli.JSON.readTree(one.out())).hasSize(1);

        // a crash with restart: on-failure shows its restarts, then FATAL
        await("crasher FATAL after 2 restarts", () -> {
            JsonNode c = program(socket, "crasher");
            return c.path("state").asText().equals("FATAL") && c.path("restarts").asInt() == 2;
        });
        assertThat(program(socket, "crasher").path("last_exit").asText()).isEqualTo("exit 3");
        assertThat(at(socket, "status").ok().out()).containsPattern("crasher +FATAL +- +- +2 +exit 3 ");

        // unknown tags: 3, nothing changed
        Cli.Result unknown = at(socket, "stop", "ticker", "nope");
        assertThat(unknown.code()).isEqualTo(ExitCodes.UNKNOWN_TAG);
        assertThat(unknown.err()).contains("unknown tag 'nope'");
        assertThat(program(socket, "ticker").path("state").asText()).isEqualTo("RUNNING");
        assertThat(at(socket, "status", "nope").code()).isEqualTo(ExitCodes.UNKNOWN_TAG);
        assertThat(at(socket, "logs", "nope").code()).isEqualTo(ExitCodes.UNKNOWN_TAG);
        assertThat(at(socket, "stop").code()).isEqualTo(ExitCodes.USAGE);

        // stop / start / restart
        long pid = program(socket, "ticker").path("pid").asLong();
        assertThat(at(socket, "stop", "ticker").ok().out()).contains("ticker: stopped");
        assertThat(program(socket, "ticker").path("state").asText()).isEqualTo("STOPPED");
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(at(socket, "stop", "ticker").ok().out()).contains("ticker: not running");
        assertThat(at(socket, "start", "ticker", "sleeper").ok().out()).contains("ticker: started").contains("sleeper: started");
        long pid2 = program(socket, "ticker").path("pid").asLong();
        assertThat(pid2).isNotEqualTo(pid);
        assertThat(at(socket, "start", "ticker").ok().out()).contains("already running");
        assertThat(at(socket, "restart", "ticker").ok().out()).contains("ticker: restarted");
        long pid3 = program(socket, "ticker").path("pid").asLong();
        assertThat(pid3).isNotEqualTo(pid2);
        assertThat(at(socket, "start", "crasher").ok().out()).contains("crasher: started");

        // logs -n, --stderr, -f
        await("ticker output", () -> at(socket, "logs", "ticker", "-n", "3").out().lines().count() == 3);
        assertThat(at(socket, "logs", "ticker", "-n", "2").ok().out().lines()).hasSize(2).allMatch(l -> l.startsWith("tick "));
        await("ticker stderr", () -> at(socket, "logs", "ticker", "--stderr", "-n", "1").out().startsWith("warn "));
        StringWriter followed = new StringWriter();
        AtomicInteger followCode = new AtomicInteger(-1);
        Thread follower = new Thread(() -> followCode.set(Main.run(new String[] {"logs", "ticker", "-f", "-n", "0",
                "--socket", socket.toString()}, Map.of(), new PrintWriter(followed, true), new PrintWriter(new StringWriter(), true))));
        follower.start();
        await("logs -f prints new lines", () -> followed.toString().lines().filter(l -> l.startsWith("tick ")).count() >= 3);
        StringWriter backlog = new StringWriter();
        Thread follower2 = new Thread(() -> Main.run(new String[] {"logs", "ticker", "-f", "-n", "2", "--socket",
                socket.toString()}, Map.of(), new PrintWriter(backlog, true), new PrintWriter(new StringWriter(), true)));
        follower2.setDaemon(true);
        follower2.start();
        await("logs -f -n 2: the last two lines, then the new ones", () -> backlog.toString().lines().count() >= 5);
        java.util.List<Integer> ticks = backlog.toString().lines().limit(5).map(l -> Integer.parseInt(l.substring("tick ".length())))
                .toList();
        for (int i = 1; i < ticks.size(); i++) {
            assertThat(ticks.get(i)).as("followed lines %s: each once, none missing", ticks).isEqualTo(ticks.get(0) + i);
        }

        // add / remove
        Cli.Result added = at(socket, "add", "web", "--restart", "on-failure", "--stop-timeout", "2s", "-e", "WHO=web",
                "--", "sh", "-c", "echo \"hello $WHO\"; exec sleep 300");
        added.ok();
        assertThat(added.out()).contains("web: added and started");
        assertThat(at(socket, "add", "web", "--", "true").code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(at(socket, "add", "w2", "--stop-timeout", "soon", "--", "true").code()).isEqualTo(ExitCodes.USAGE);
        await("web says hello", () -> at(socket, "logs", "web").out().contains("hello web"));
        assertThat(program(socket, "web").path("state").asText()).isIn("STARTING", "RUNNING");
        assertThat(at(socket, "remove", "web").ok().out()).contains("web: stopped").contains("removed");
        assertThat(program(socket, "web")).isNull();
        assertThat(at(socket, "remove", "web").code()).isEqualTo(ExitCodes.UNKNOWN_TAG);

        // reload: ticker changed, crasher removed, extra added, sleeper unchanged (keeps running)
        long sleeperPid = program(socket, "sleeper").path("pid").asLong();
        Files.writeString(config, "programs:\n  broken: {command: [a], stop_timeout: forever}\n");
        Cli.Result refused = at(socket, "reload");
        assertThat(refused.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(refused.err()).contains("procmgr.yaml:2: programs.broken.stop_timeout: invalid duration 'forever'");
        assertThat(program(socket, "crasher")).isNotNull();
        Files.writeString(config, RELOADED);
        Cli.Result reload = at(socket, "reload").ok();
        assertThat(reload.out()).contains("added: extra").contains("removed: crasher").contains("changed: ticker")
                .contains("unchanged: sleeper");
        assertThat(program(socket, "crasher")).isNull();
        assertThat(program(socket, "extra").path("state").asText()).isIn("STARTING", "RUNNING");
        assertThat(program(socket, "sleeper").path("pid").asLong()).isEqualTo(sleeperPid);
        assertThat(program(socket, "ticker").path("pid").asLong()).isNotEqualTo(pid3);
        await("changed ticker runs the new command", () -> at(socket, "logs", "ticker", "-n", "1").out().startsWith("tock"));
        await("logs -f follows across the restart", () -> followed.toString().contains("tock"));
        assertThat(follower.isAlive()).isTrue();
    }
}
