package dev.procmgr.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessInfo;
import dev.procmgr.api.ProcessListener;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.api.ProcessOutput;
import dev.procmgr.api.ProcessSpec;
import dev.procmgr.api.ProcessStartException;
import dev.procmgr.api.ProcessState;
import dev.procmgr.api.Signal;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Faults: descriptor exhaustion in a forked host, a child that closes its stdout and runs on, a
 * child that exits while it is being stopped, a stop timeout of zero, listeners that throw or
 * block, a child with 200 grandchildren, an executable replaced while it runs. Each prints one
 * or more {@code RELIABILITY fault ...} lines.
 */
@Tag("reliability")
public abstract class ReliabilityFaultTest extends AbstractBackendTest {

    private void report(String fault, String result) {
        System.out.println("RELIABILITY fault backend=" + launcher().name() + " fault=" + fault + " result=" + result);
    }

    private static boolean said(ProcessContainer c, String line) {
        return c.output().lines(ProcessOutput.Stream.STDOUT).contains(line);
    }

    // ------------------------------------------------------------------ descriptors

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void fdExhaustion() throws Exception {
        int limit = 256;
        List<String> java = new ArrayList<>();
        java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        java.addAll(List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        if (Runtime.version().feature() >= 21) {
            java.add("--enable-native-access=ALL-UNNAMED");
        }
        System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.startsWith("procmgr.") && !k.equals("procmgr.backend")).sorted()
                .forEach(k -> java.add("-D" + k + "=" + System.getProperty(k)));
        java.addAll(List.of("-Dprocmgr.backend=" + launcher().name(), "-cp", System.getProperty("java.class.path"),
                ReliabilityFdMain.class.getName(), marker));
        StringBuilder script = new StringBuilder("ulimit -n " + limit + " && exec");
        for (String a : java) {
            script.append(" '").append(a.replace("'", "'\\''")).append('\'');
        }
        Path log = tmp.resolve("fdhost.log");
        Process host = new ProcessBuilder("/bin/sh", "-c", script.toString())
                .redirectInput(new File("/dev/null")).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = host.waitFor(4, TimeUnit.MINUTES);
        if (!ended) {
            host.destroyForcibly();
            host.waitFor(10, TimeUnit.SECONDS);
        }
        List<String> lines = Files.readAllLines(log);
        lines.stream().filter(l -> l.startsWith("FAULT ") || l.startsWith("RESULT "))
                .forEach(l -> System.out.println("RELIABILITY fault backend=" + launcher().name() + " ulimit=" + limit + " " + l));
        String all = String.join("\n", lines);
        assertThat(ended).as("host ended; log:\n%s", all).isTrue();
        assertThat(lines).as("host log:\n%s", all).contains("RESULT ok");
        assertThat(host.exitValue()).isZero();
        assertThat(all).contains("result=ProcessStartException");
        assertThat(Procs.withMarker(marker)).isEmpty();
    }

    // ------------------------------------------------------------------ output

    @Test
    void childClosingStdoutEarlyRunsOn() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("closer", ProcessSpec.builder("/bin/sh").args("-c",
                "echo before; exec 1>&-; sleep 0.3; echo 'still here' >&2; echo ready-err >&2; while :; do sleep 1; done", marker)
                .startSeconds(Duration.ofMillis(500)).build());
        assertThat(Procs.await(SOON, () -> c.output().lines(ProcessOutput.Stream.STDERR).contains("ready-err"))).isTrue();
        assertThat(c.output().lines(ProcessOutput.Stream.STDOUT)).containsExactly("before");
        assertThat(c.output().lines(ProcessOutput.Stream.STDERR)).containsExactly("still here", "ready-err");
        assertThat(Procs.await(SOON, () -> c.state() == ProcessState.RUNNING)).isTrue();
        assertThat(c.isAlive()).isTrue();
        assertThat(c.onExit()).isNotDone();
        assertThat(pm.running("closer")).isTrue();
        assertThat(c.stop()).isEqualTo(ExitStatus.killed(Signal.TERM));
        report("child-closes-stdout-early", "kept RUNNING with stdout closed, stderr still captured, stop -> signal TERM");
    }

    @Test
    void childClosingBothStreamsRunsOn() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("silent", ProcessSpec.builder("/bin/sh").args("-c",
                "echo bye; exec 1>&- 2>&-; while :; do sleep 1; done", marker).startSeconds(Duration.ofMillis(300)).build());
        assertThat(Procs.await(SOON, () -> said(c, "bye") && c.state() == ProcessState.RUNNING)).isTrue();
        assertThat(c.isAlive()).isTrue();
        assertThat(c.onExit()).isNotDone();
        assertThat(c.stop()).isEqualTo(ExitStatus.killed(Signal.TERM));
        report("child-closes-stdout-and-stderr", "kept RUNNING, onExit not completed early, stop -> signal TERM");
    }

    // ------------------------------------------------------------------ stop

    @Test
    void childExitingDuringStop() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("slowexit", ProcessSpec.builder("/bin/sh")
                .args("-c", "trap 'sleep 0.3; exit 7' TERM; echo ready; while :; do sleep 0.05; done", marker)
                .stopTimeout(Duration.ofSeconds(10)).build());
        assertThat(Procs.await(SOON, () -> said(c, "ready"))).isTrue();
        long t0 = System.nanoTime();
        assertThat(c.stop()).isEqualTo(ExitStatus.exited(7));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(c.state()).isEqualTo(ProcessState.STOPPED);
        assertThat(pm.running("slowexit")).isFalse();
        assertThat(ms).as("stop returned when the child exited, not at the 10 s timeout").isLessThan(8_000);
        report("child-exits-during-stop(trap TERM: sleep 0.3; exit 7)", "stop -> exit 7 after " + ms + " ms, tag released");

        // exits racing the stop signal: whichever wins, stop returns a status and the tag is free
        int exitedFirst = 0;
        int signalled = 0;
        for (int i = 0; i < 40; i++) {
            ProcessContainer r = pm.create("race" + i, ProcessSpec.builder("/bin/sh").args("-c", "exit 5", marker).build());
            if (i % 2 == 0) {
                Procs.await(Duration.ofMillis(i), () -> false); // vary the moment
            }
            ExitStatus st = r.stop();
            assertThat(st).isIn(ExitStatus.exited(5), ExitStatus.killed(Signal.TERM), ExitStatus.killed(Signal.KILL));
            if (st.equals(ExitStatus.exited(5))) {
                exitedFirst++;
            } else {
                signalled++;
            }
            assertThat(pm.running("race" + i)).isFalse();
        }
        assertThat(pm.list()).isEmpty();
        report("child-exits-as-stop-begins(40x exit 5)", "all released; exited first " + exitedFirst + ", signalled " + signalled);
    }

    /**
     * A child that exits at once, with output discarded (nothing to drain): the exit may be seen
     * before the launch returns. It must still end EXITED with its status, as any other exit.
     */
    @Test
    void childExitingDuringLaunch() {
        ProcessManager pm = newManager();
        int n = 300;
        List<String> stuck = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ProcessContainer c = pm.create("quick" + i, ProcessSpec.builder("/bin/sh").args("-c", "exit 3", marker)
                    .output(dev.procmgr.api.OutputSpec.discard()).build());
            c.onExit().join();
            if (!Procs.await(Duration.ofSeconds(5), () -> c.state() == ProcessState.EXITED)) {
                stuck.add(c.tag() + " " + c.state() + " exit " + c.exitStatus());
            }
            c.stop();
        }
        report("child-exits-during-launch(" + n + "x exit 3, output discarded)", stuck.isEmpty() ? "all EXITED with exit 3"
                : stuck.size() + " stuck, e.g. " + stuck.get(0));
        assertThat(stuck).as("containers whose exit was lost").isEmpty();
    }

    /** The same with restart on failure: every container must reach FATAL after its restarts, none may hang in STARTING. */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void childCrashingDuringLaunchIsStillSupervised() {
        ProcessManager pm = newManager();
        int n = 40;
        List<ProcessContainer> cs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            cs.add(pm.create("crashy" + i, ProcessSpec.builder("/bin/sh").args("-c", "exit 1", marker)
                    .output(dev.procmgr.api.OutputSpec.discard())
                    .restartPolicy(dev.procmgr.api.RestartPolicy.ON_FAILURE.withMaxRestarts(3)
                            .withBackoff(Duration.ofMillis(10), Duration.ofMillis(20)))
                    .build()));
        }
        long t0 = System.nanoTime();
        // every restart scans /proc: with thousands of processes on the host this is slow, not stuck
        Procs.await(Duration.ofSeconds(150), () -> cs.stream().allMatch(c -> c.state() == ProcessState.FATAL));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        long hostProcs = ProcessHandle.allProcesses().count();
        List<String> stuck = cs.stream().filter(c -> c.state() != ProcessState.FATAL)
                .map(c -> c.tag() + " " + c.state() + " restarts " + c.info().restarts() + " exit " + c.exitStatus()).toList();
        report("child-crashes-during-launch-with-restart(" + n + "x exit 1, ON_FAILURE, 3 restarts)",
                (stuck.isEmpty() ? "all FATAL after 3 restarts" : stuck.size() + " not FATAL, e.g. " + stuck.get(0))
                        + " in " + ms + " ms with " + hostProcs + " processes on the host");
        cs.forEach(ProcessContainer::stop);
        assertThat(stuck).as("containers whose supervision stopped").isEmpty();
    }

    @Test
    void stopTimeoutZero() {
        ProcessManager pm = newManager();
        ProcessContainer stubborn = pm.create("stubborn", ProcessSpec.builder(scripts.path("ignore-term.sh")).build());
        assertThat(Procs.await(SOON, () -> said(stubborn, "ready"))).isTrue();
        long t0 = System.nanoTime();
        assertThat(stubborn.stop(Duration.ZERO)).isEqualTo(ExitStatus.killed(Signal.KILL));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(Procs.alive(stubborn.pid())).isFalse();

        ProcessContainer polite = pm.create("polite", ProcessSpec.builder("/bin/sh")
                .args("-c", "echo ready; while :; do sleep 1; done", marker).build());
        assertThat(Procs.await(SOON, () -> said(polite, "ready"))).isTrue();
        assertThat(polite.stop(Duration.ZERO)).isIn(ExitStatus.killed(Signal.TERM), ExitStatus.killed(Signal.KILL));

        // a spec with stopTimeout 0, stopped by close()
        List<ProcessContainer> cs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            cs.add(pm.create("z" + i, ProcessSpec.builder(scripts.path("ignore-term.sh")).stopTimeout(Duration.ZERO).build()));
        }
        assertThat(Procs.await(SOON, () -> cs.stream().allMatch(c -> said(c, "ready")))).isTrue();
        pm.close();
        assertThat(cs).allMatch(c -> c.state() == ProcessState.STOPPED && !Procs.alive(c.pid()));
        assertThat(cs).allMatch(c -> c.exitStatus().orElseThrow().equals(ExitStatus.killed(Signal.KILL)));
        report("stop-timeout-zero", "TERM-ignoring child KILLed in " + ms + " ms; polite child TERM or KILL; "
                + "10 children with stopTimeout 0 KILLed by close()");
    }

    // ------------------------------------------------------------------ listeners

    @Test
    void throwingListenersAreSkipped() {
        ProcessManager pm = newManager();
        AtomicInteger thrown = new AtomicInteger();
        List<ProcessState> seen = new CopyOnWriteArrayList<>();
        pm.addListener((from, to) -> {
            thrown.incrementAndGet();
            throw new IllegalStateException("listener fails on purpose (test)");
        });
        pm.addListener((from, to) -> seen.add(to.state()));
        ProcessContainer c = pm.create("t", ProcessSpec.builder("/bin/sh").args("-c", "echo out; exit 2", marker)
                .listener((from, to) -> {
                    throw new RuntimeException("spec listener fails on purpose (test)");
                }).build());
        assertThat(c.onExit().join()).isEqualTo(ExitStatus.exited(2));
        assertThat(said(c, "out")).isTrue();
        assertThat(c.stop()).isEqualTo(ExitStatus.exited(2));
        assertThat(Procs.await(SOON, () -> seen.contains(ProcessState.STOPPED))).isTrue();
        assertThat(seen).containsSubsequence(ProcessState.STARTING, ProcessState.EXITED, ProcessState.STOPPED);
        assertThat(thrown.get()).isGreaterThanOrEqualTo(3);
        report("listener-throws", "process, output and later listeners unaffected; " + thrown.get() + " throws skipped");
    }

    @Test
    void blockingListenerStallsNoProcess() throws Exception {
        ProcessManager pm = newManager();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocked = new CountDownLatch(1);
        ProcessListener blocker = (ProcessInfo from, ProcessInfo to) -> {
            blocked.countDown();
            try {
                release.await(2, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        pm.addListener(blocker);
        try {
            ProcessContainer first = pm.create("first", ProcessSpec.builder("/bin/sh").args("-c", "exit 0", marker).build());
            assertThat(blocked.await(20, TimeUnit.SECONDS)).as("the listener is blocked").isTrue();
            first.onExit().join();
            first.stop();
            // while it blocks: other processes start, write, exit, are followed and stopped
            long t0 = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                List<String> followed = new CopyOnWriteArrayList<>();
                ProcessContainer c = pm.create("p" + i, ProcessSpec.builder("/bin/sh")
                        .args("-c", "sleep 0.1; seq 1 100; exit 4", marker).build());
                ProcessOutput.Subscription sub = c.output().follow((tag, stream, line) -> followed.add(line));
                assertThat(c.onExit().get(20, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(4));
                assertThat(c.output().lines(ProcessOutput.Stream.STDOUT, 1)).containsExactly("100");
                assertThat(Procs.await(SOON, () -> followed.contains("100"))).as("follower got the output").isTrue();
                sub.close();
                assertThat(c.stop()).isEqualTo(ExitStatus.exited(4));
            }
            ProcessContainer stubborn = pm.create("stubborn", ProcessSpec.builder(scripts.path("ignore-term.sh"))
                    .stopTimeout(Duration.ofMillis(200)).build());
            assertThat(Procs.await(SOON, () -> said(stubborn, "ready"))).isTrue();
            assertThat(stubborn.stop()).isEqualTo(ExitStatus.killed(Signal.KILL));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(release.getCount()).as("listener still blocked throughout").isEqualTo(1);
            // close() with the listener still blocked returns (the dispatcher gets a bounded wait)
            ProcessContainer last = pm.create("last", ProcessSpec.builder("/bin/sh")
                    .args("-c", "while :; do sleep 1; done", marker).build());
            long c0 = System.nanoTime();
            pm.close();
            long closeMs = (System.nanoTime() - c0) / 1_000_000;
            assertThat(last.state()).isEqualTo(ProcessState.STOPPED);
            assertThat(Procs.alive(last.pid())).isFalse();
            report("listener-blocks", "21 processes started, output followed, exited and stopped in " + ms
                    + " ms while one listener blocked; close() with it still blocked took " + closeMs + " ms");
        } finally {
            release.countDown();
        }
    }

    // ------------------------------------------------------------------ trees

    @Test
    void twoHundredGrandchildrenAreAllStopped() {
        ProcessManager pm = newManager();
        // 150 stay in the group, 25 ignore TERM, 25 leave the group and session with setsid
        String script = "m=\"$0\"; i=0; while [ $i -lt 150 ]; do sh -c 'sleep 1000; :' \"$m-g\" & i=$((i+1)); done; "
                + "i=0; while [ $i -lt 25 ]; do sh -c 'trap \"\" TERM; sleep 1000; :' \"$m-g\" & i=$((i+1)); done; "
                + "i=0; while [ $i -lt 25 ]; do setsid sh -c 'sleep 1000; :' \"$m-g\" & i=$((i+1)); done; "
                + "echo ready; wait";
        ProcessContainer c = pm.create("forker", ProcessSpec.builder("/bin/sh").args("-c", script, marker)
                .stopTimeout(Duration.ofSeconds(2)).build());
        assertThat(Procs.await(SOON.multipliedBy(3), () -> said(c, "ready") && countTop(marker + "-g") == 200))
                .as("200 grandchildren up (have %d)", countTop(marker + "-g")).isTrue();
        long t0 = System.nanoTime();
        ExitStatus st = c.stop();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        List<Long> left = Procs.withMarker(marker);
        report("200-grandchildren", "stop -> " + st + " in " + ms + " ms, left alive " + left.size());
        assertThat(left).isEmpty();
        assertThat(pm.running("forker")).isFalse();
    }

    // ------------------------------------------------------------------ executable replaced

    @Test
    void executableReplacedWhileRunning() throws Exception {
        Path prog = tmp.resolve("prog.sh");
        writeScript(prog, "#!/bin/sh\necho v1\nwhile :; do sleep 1; done\n");
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("prog", ProcessSpec.builder(prog.toString()).args(marker)
                .stopTimeout(Duration.ofSeconds(2)).build());
        assertThat(Procs.await(SOON, () -> said(c, "v1"))).isTrue();
        long pid1 = c.pid();

        // replaced by rename (a new file under the same path): the running process is untouched
        Path next = tmp.resolve("prog.sh.new");
        writeScript(next, "#!/bin/sh\necho v2\nwhile :; do sleep 1; done\n");
        Files.move(next, prog, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Thread.sleep(300);
        assertThat(c.isAlive()).isTrue();
        assertThat(c.pid()).isEqualTo(pid1);
        c.restart();
        assertThat(Procs.await(SOON, () -> said(c, "v2"))).as("restart runs the new file").isTrue();
        assertThat(c.pid()).isNotEqualTo(pid1);
        assertThat(Procs.alive(pid1)).isFalse();

        // deleted while running: a restart fails with the cause, the container is EXITED and keeps its tag
        Files.delete(prog);
        assertThatThrownBy(c::restart).isInstanceOf(ProcessStartException.class).hasMessageContaining("does not exist");
        assertThat(c.state()).isEqualTo(ProcessState.EXITED);
        assertThat(pm.running("prog")).isTrue();
        assertThat(Procs.withMarker(marker)).isEmpty();

        // back again (not executable first): restart says so; then executable: restart works
        writeScript(prog, "#!/bin/sh\necho v3\nwhile :; do sleep 1; done\n");
        Files.setPosixFilePermissions(prog, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(c::restart).isInstanceOf(ProcessStartException.class).hasMessageContaining("not executable");
        Files.setPosixFilePermissions(prog, PosixFilePermissions.fromString("rwx------"));
        c.restart();
        assertThat(Procs.await(SOON, () -> said(c, "v3"))).isTrue();
        assertThat(c.isAlive()).isTrue();

        // overwritten in place while running (same inode): the running shell is not disturbed enough to die
        Files.writeString(prog, "#!/bin/sh\necho v4\nwhile :; do sleep 1; done\n");
        Thread.sleep(300);
        c.stop();
        assertThat(Procs.withMarker(marker)).isEmpty();
        report("executable-replaced-while-running", "rename: old run untouched, restart runs v2; deleted: restart -> "
                + "ProcessStartException 'does not exist', EXITED, tag kept; not executable: ProcessStartException; "
                + "restored: restart runs v3; stop leaves nothing");
    }

    /** Live processes with the marker whose parent does not carry it (a shell's fork before exec would count twice). */
    private static int countTop(String m) {
        List<Long> pids = Procs.withMarker(m);
        int n = 0;
        for (long pid : pids) {
            long ppid = ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(0L);
            if (!pids.contains(ppid)) {
                n++;
            }
        }
        return n;
    }

    private static void writeScript(Path p, String content) throws Exception {
        Files.writeString(p, content);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    }
}
