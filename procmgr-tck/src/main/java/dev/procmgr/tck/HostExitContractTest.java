package dev.procmgr.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing is left behind however the host ends. Each test forks a host JVM ({@link HostMain},
 * the current java binary and class path, {@code -Dprocmgr.backend=}{@link #backendName()}) that
 * starts 5 process trees (each {@code sh -c} with two grandchildren: one ignoring TERM, one in a
 * session of its own) through {@code ProcessManagers.create()} with the default options, and then
 * ends by {@code close()}, a normal exit, {@code System.exit(3)}, SIGTERM, SIGINT, SIGKILL or an
 * uncaught exception. Within 5 s of the host's end no process carrying the test's marker may be
 * alive. After SIGKILL (the guardian's case) a process the test started itself, and a process that
 * took over the pid and process group number of a tag the host had stopped, are untouched.
 *
 * <p>A backend's test class only names the backend.
 */
@ExtendWith(NoLeakedProcesses.class)
@Timeout(180)
public abstract class HostExitContractTest {
    /** From the host's end to the last managed process gone. */
    protected static final Duration GONE_WITHIN = Duration.ofSeconds(5);
    private static final Duration HOST_SETUP = Duration.ofSeconds(90);
    private static final Duration HOST_EXIT = Duration.ofSeconds(30);
    private static final Path NS_LAST_PID = Path.of("/proc/sys/kernel/ns_last_pid");

    /** The backend's {@code ProcessLauncher} name: {@code jdk}, {@code nuprocess}. */
    protected abstract String backendName();

    @TempDir
    protected Path tmp;
    protected String marker;
    private Process host;
    private final List<Process> own = new ArrayList<>();

    @BeforeEach
    void setUpHost() {
        assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "needs /proc to find marked processes");
        marker = "procmgr-hostexit-" + UUID.randomUUID();
    }

    @AfterEach
    void tearDownHost() throws InterruptedException {
        if (host != null) {
            host.destroyForcibly();
            host.waitFor(10, TimeUnit.SECONDS);
        }
        for (Process p : own) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        Procs.killMarked(marker);
    }

    @Test
    void close() throws Exception {
        startHost("close");
        await(tmp.resolve("closed"), "the host's close()");
        assertNothingLeft("close() returned", System.nanoTime());
        assertThat(host.isAlive()).as("the host still runs: close() did the work").isTrue();
    }

    @Test
    void normalExit() throws Exception {
        startHost("normal");
        assertNothingLeft("host exited normally", awaitHostExit(0));
    }

    @Test
    void systemExit() throws Exception {
        startHost("exit3");
        assertNothingLeft("host exited by System.exit(3)", awaitHostExit(3));
    }

    @Test
    void uncaughtExceptionOnMain() throws Exception {
        startHost("exception");
        assertNothingLeft("host exited by an uncaught exception", awaitHostExit(1));
    }

    @Test
    void sigterm() throws Exception {
        startHost("wait");
        signal(host.pid(), "TERM");
        assertNothingLeft("host exited on SIGTERM", awaitHostExit(143));
    }

    @Test
    void sigint() throws Exception {
        startHost("wait");
        signal(host.pid(), "INT");
        assertNothingLeft("host exited on SIGINT", awaitHostExit(130));
    }

    @Test
    void sigkillLeavesTheGuardianToCleanUpAndItKillsNothingElse() throws Exception {
        Map<String, Long> ready = startHost("wait");
        long guardian = ready.get("guardian");
        assertThat(guardian).as("the host runs a guardian process (ManagerOptions.defaults())").isPositive();
        String ownMarker = "procmgr-hostexit-own-" + UUID.randomUUID();
        Process ownGroup = startOwn(List.of("setsid", "sh", "-c", "while :; do sleep 1; done", ownMarker + "-group"));
        Process ownPlain = startOwn(List.of("sh", "-c", "while :; do sleep 1; done", ownMarker + "-plain"));
        Process reuser = takeOverPid(ready.get("stopped"), ownMarker + "-reuser");

        signal(host.pid(), "KILL");
        long end = awaitHostExit(137);
        assertNothingLeft("host killed by SIGKILL", end);
        assertThat(Procs.await(Duration.ofSeconds(10), () -> !Procs.alive(guardian)))
                .as("the guardian exits once its work is done").isTrue();

        assertThat(ownGroup.isAlive()).as("a process group the test started itself").isTrue();
        assertThat(ownPlain.isAlive()).as("a process the test started itself").isTrue();
        assertThat(Procs.withMarker(ownMarker)).as("the test's own processes").hasSize(reuser == null ? 2 : 3);
        if (reuser != null) {
            assertThat(reuser.isAlive()).as("a new group with the number of the tag stopped earlier").isTrue();
        }
    }

    // ------------------------------------------------------------------------------ helpers

    /** Forks the host, waits until it is ready, returns what it wrote to DIR/ready. */
    private Map<String, Long> startHost(String mode) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (envResetsSignals()) {
            // a JVM leaves a signal alone that was ignored when it started (the parent's choice)
            cmd.addAll(List.of("/usr/bin/env", "--default-signal=INT,TERM,HUP"));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        if (Runtime.version().feature() >= 21) {
            cmd.add("--enable-native-access=ALL-UNNAMED"); // JNA, without warnings on newer JDKs
        }
        // the test's procmgr settings (e.g. a backend's launch path) apply to the host too
        System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.startsWith("procmgr.") && !k.equals("procmgr.backend")).sorted()
                .forEach(k -> cmd.add("-D" + k + "=" + System.getProperty(k)));
        cmd.addAll(List.of("-Dprocmgr.backend=" + backendName(),
                "-cp", System.getProperty("java.class.path"),
                HostMain.class.getName(), marker, mode, tmp.toString()));
        File log = tmp.resolve("host.log").toFile();
        host = new ProcessBuilder(cmd)
                .redirectInput(new File("/dev/null"))
                .redirectOutput(log)
                .redirectErrorStream(true)
                .start();
        await(tmp.resolve("ready"), "the host's setup");
        Map<String, Long> ready = new HashMap<>();
        for (String line : Files.readAllLines(tmp.resolve("ready"))) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                ready.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1).trim()));
            }
        }
        // the host checked that its trees are up (or exits with 97); some modes end it at once
        return ready;
    }

    private void await(Path file, String what) throws IOException {
        boolean ok = Procs.await(HOST_SETUP, () -> Files.exists(file) || !host.isAlive());
        if (!ok || !Files.exists(file)) {
            fail(what + " did not complete (host " + (host.isAlive() ? "alive" : "exited " + host.exitValue())
                    + "); host log:\n" + hostLog());
        }
    }

    /** Waits for the host to exit; returns System.nanoTime() at the moment the exit was seen. */
    private long awaitHostExit(int expectedCode) throws Exception {
        if (!host.waitFor(HOST_EXIT.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("host did not exit within " + HOST_EXIT + "; host log:\n" + hostLog());
        }
        long at = System.nanoTime();
        assertThat(host.exitValue()).as("host exit code; host log:\n%s", hostLog()).isEqualTo(expectedCode);
        return at;
    }

    private void assertNothingLeft(String how, long since) throws IOException {
        boolean gone = Procs.await(GONE_WITHIN, () -> managed().isEmpty());
        long ms = (System.nanoTime() - since) / 1_000_000;
        if (!gone) {
            fail(how + ": processes left " + GONE_WITHIN.toSeconds() + " s later: "
                    + describe(managed()) + "\nhost log:\n" + hostLog());
        }
        System.out.printf("host exit [%s, %s]: last managed process gone %d ms after that%n", backendName(), how, ms);
    }

    /** Live processes with the marker, but the host (its argv carries the marker too). */
    private List<Long> managed() {
        List<Long> pids = new ArrayList<>(Procs.withMarker(marker));
        pids.remove(host.pid());
        return pids;
    }

    private Process startOwn(List<String> argv) throws IOException {
        Process p = new ProcessBuilder(argv)
                .redirectInput(new File("/dev/null"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        own.add(p);
        return p;
    }

    /**
     * Starts a process group leader with the pid (and so the group number) the host's stopped
     * tag had, by setting the kernel's last pid (root only); null when that does not work here.
     */
    private Process takeOverPid(long pid, String argvMarker) throws IOException, InterruptedException {
        if (!Files.isWritable(NS_LAST_PID)) {
            System.out.println("host exit: cannot reuse pids here (no write access to " + NS_LAST_PID + ")");
            return null;
        }
        for (int attempt = 0; attempt < 40; attempt++) {
            Files.writeString(NS_LAST_PID, Long.toString(pid - 1));
            Process p = new ProcessBuilder("setsid", "sh", "-c", "while :; do sleep 1; done", argvMarker)
                    .redirectInput(new File("/dev/null"))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (p.pid() == pid) {
                own.add(p);
                return p;
            }
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
            Thread.sleep(100); // the pid may still be held by a zombie of the stopped group
        }
        System.out.println("host exit: could not get pid " + pid + " again; the reuse check is skipped");
        return null;
    }

    private static boolean envResetsSignals() {
        try {
            Process p = new ProcessBuilder("/usr/bin/env", "--default-signal=INT", "true")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void signal(long pid, String sig) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
        assertThat(k.waitFor(10, TimeUnit.SECONDS) && k.exitValue() == 0).as("kill -%s %d", sig, pid).isTrue();
    }

    private static String describe(List<Long> pids) {
        StringBuilder sb = new StringBuilder();
        for (long pid : pids) {
            try {
                sb.append(pid).append(' ').append(new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid),
                        "cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').trim()).append("; ");
            } catch (IOException e) {
                sb.append(pid).append(" (gone); ");
            }
        }
        return sb.toString();
    }

    private String hostLog() {
        try {
            List<String> lines = Files.readAllLines(tmp.resolve("host.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no host log: " + e + ")";
        }
    }
}
