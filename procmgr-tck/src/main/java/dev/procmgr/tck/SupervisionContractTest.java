package dev.procmgr.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessInfo;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.api.ProcessOutput.Stream;
import dev.procmgr.api.ProcessSpec;
import dev.procmgr.api.ProcessState;
import dev.procmgr.api.RestartPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Restart policies with real processes: both backends behave the same. */
public abstract class SupervisionContractTest extends AbstractBackendTest {

    private static final RestartPolicy FAST = RestartPolicy.ON_FAILURE
            .withBackoff(Duration.ofMillis(20), Duration.ofMillis(100)).withJitter(0);

    @Test
    void childThatFailsThreeTimesThenStaysUp() throws Exception {
        Path counter = tmp.resolve("count");
        ProcessManager pm = newManager();
        List<ProcessState> states = new CopyOnWriteArrayList<>();
        ProcessContainer c = pm.create("flaky", ProcessSpec.builder(scripts.path("flaky.sh"))
                .args(counter.toString(), "3").restartPolicy(FAST).startSeconds(Duration.ofMillis(300))
                .listener((from, to) -> states.add(to.state())).build());
        assertThat(Procs.await(SOON, () -> c.state() == ProcessState.RUNNING)).isTrue();
        assertThat(Files.readString(counter).trim()).isEqualTo("4");
        assertThat(c.info().restarts()).isEqualTo(3);
        assertThat(c.isAlive()).isTrue();
        assertThat(c.output().lines(Stream.STDOUT)).containsExactly("start 1", "start 2", "start 3", "start 4");
        assertThat(c.output().lines(Stream.STDERR)).hasSize(3);
        assertThat(Procs.await(SOON, () -> states.contains(ProcessState.RUNNING))).isTrue();
        assertThat(states).containsSubsequence(ProcessState.STARTING, ProcessState.BACKOFF, ProcessState.STARTING,
                ProcessState.BACKOFF, ProcessState.STARTING, ProcessState.BACKOFF, ProcessState.STARTING, ProcessState.RUNNING);
    }

    @Test
    void alwaysFailingChildReachesFatalAfterMaxRestarts() throws Exception {
        Path counter = tmp.resolve("count");
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("doomed", ProcessSpec.builder(scripts.path("flaky.sh"))
                .args(counter.toString(), "1000").restartPolicy(FAST.withMaxRestarts(4)).build());
        assertThat(Procs.await(SOON, () -> c.state() == ProcessState.FATAL)).isTrue();
        assertThat(Files.readString(counter).trim()).isEqualTo("5");
        assertThat(c.info().restarts()).isEqualTo(4);
        assertThat(pm.running("doomed")).isTrue();
        assertThat(c.isAlive()).isFalse();
        c.stop();
        assertThat(pm.running("doomed")).isFalse();
    }

    @Test
    void neverPolicyLeavesACrashedProcessExited() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("once", "/bin/sh", "-c", "exit 1");
        c.onExit().join();
        assertThat(c.state()).isEqualTo(ProcessState.EXITED);
        assertThat(c.info().restarts()).isZero();
    }

    @Test
    void onFailureDoesNotRestartACleanExit() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("clean", ProcessSpec.builder("/bin/sh").args("-c", "sleep 0.2; exit 0")
                .restartPolicy(FAST).startSeconds(Duration.ofMillis(50)).build());
        c.onExit().join();
        assertThat(c.state()).isEqualTo(ProcessState.EXITED);
    }

    @Test
    void stopDuringBackoffCancelsTheRestart() throws Exception {
        Path counter = tmp.resolve("count");
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("backoff", ProcessSpec.builder(scripts.path("flaky.sh"))
                .args(counter.toString(), "1000")
                .restartPolicy(RestartPolicy.ALWAYS.withBackoff(Duration.ofSeconds(30), Duration.ofSeconds(60))).build());
        assertThat(Procs.await(SOON, () -> c.state() == ProcessState.BACKOFF)).isTrue();
        ProcessInfo info = c.info();
        assertThat(info.nextRestart()).isPresent();
        assertThat(pm.running("backoff")).isTrue();
        c.stop();
        assertThat(c.state()).isEqualTo(ProcessState.STOPPED);
        assertThat(c.info().nextRestart()).isEmpty();
        Thread.sleep(200);
        assertThat(Files.readString(counter).trim()).isEqualTo("1");
    }

    @Test
    void restartKeepsTheContainerAndChangesThePid() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("again", "/bin/sh", "-c", "echo run; exec sleep 1000");
        assertThat(Procs.await(SOON, () -> c.output().lines(Stream.STDOUT).size() == 1)).isTrue();
        long pid = c.pid();
        c.restart();
        assertThat(pm.fetch("again")).containsSame(c);
        assertThat(c.pid()).isNotEqualTo(pid);
        assertThat(Procs.alive(pid)).isFalse();
        assertThat(c.isAlive()).isTrue();
        assertThat(c.info().restarts()).isEqualTo(1);
        assertThat(Procs.await(SOON, () -> c.output().lines(Stream.STDOUT).size() == 2)).isTrue();
        c.stop();
        assertThatThrownBy(c::restart).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closeDuringARestartStormLeavesNothing() {
        ProcessManager pm = newManager();
        for (int i = 0; i < 10; i++) {
            pm.create("storm" + i, ProcessSpec.builder("/bin/sh").args("-c", "sleep 0.05; exit 1", marker)
                    .restartPolicy(RestartPolicy.ALWAYS.withBackoff(Duration.ZERO, Duration.ofMillis(10)).withMaxRestarts(1000))
                    .build());
        }
        assertThat(Procs.await(SOON, () -> pm.list().stream().allMatch(c -> c.info().restarts() >= 3))).isTrue();
        pm.close();
        assertThat(pm.list()).isEmpty();
        assertThat(Procs.withMarker(marker)).isEmpty();
    }

    /**
     * 200 processes that crash every 100 ms under ALWAYS for 10 s, then close(): nothing leaks,
     * the thread count returns to where it was, and each restart count matches the exits seen.
     */
    @Test
    void restartStormOfTwoHundredProcesses() throws Exception {
        ProcessManager pm = newManager();
        pm.create("warmup", "true").onExit().join(); // the backend's fixed threads exist from here on
        pm.fetch("warmup").orElseThrow().stop();
        int threadsBefore = ownThreads().size();
        java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> exits = new java.util.concurrent.ConcurrentHashMap<>();
        pm.addListener((from, to) -> {
            if (to.state() == ProcessState.BACKOFF) {
                exits.computeIfAbsent(to.tag(), k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
            }
        });
        RestartPolicy storm = RestartPolicy.ALWAYS.withBackoff(Duration.ZERO, Duration.ZERO).withMaxRestarts(1_000_000);
        List<ProcessContainer> all = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            all.add(pm.create("storm-" + i, ProcessSpec.builder("/bin/sh").args("-c", "sleep 0.1; exit 1", marker)
                    .restartPolicy(storm).startSeconds(Duration.ZERO).output(dev.procmgr.api.OutputSpec.discard()).build()));
        }
        Thread.sleep(10_000);
        pm.close();
        assertThat(Procs.withMarker(marker)).isEmpty();
        assertThat(all).allMatch(c -> c.state() == ProcessState.STOPPED);
        long totalRestarts = all.stream().mapToLong(c -> c.info().restarts()).sum();
        assertThat(totalRestarts).isGreaterThan(200);
        for (ProcessContainer c : all) {
            int seen = exits.getOrDefault(c.tag(), new java.util.concurrent.atomic.AtomicInteger()).get();
            assertThat(c.info().restarts()).as(c.tag()).isBetween(seen - 1, seen);
        }
        assertThat(Procs.await(SOON, () -> ownThreads().size() <= threadsBefore + 4))
                .as("threads before %d, now %s", threadsBefore, ownThreads()).isTrue();
        System.out.println("restart storm: " + totalRestarts + " restarts of 200 processes in 10 s on " + launcher().name());
    }

    /**
     * Live threads but the JDK's "process reaper" pool, which keeps idle threads for 60 s after
     * a burst of exits (JDK behaviour, not a leak).
     */
    private static List<String> ownThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> !n.equals("process reaper")).sorted().toList();
    }
}
