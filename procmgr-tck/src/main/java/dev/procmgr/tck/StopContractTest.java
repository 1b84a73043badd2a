package dev.procmgr.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.api.ProcessOutput;
import dev.procmgr.api.ProcessSpec;
import dev.procmgr.api.ProcessState;
import dev.procmgr.api.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Whole-tree stop: escalation to KILL, grandchildren, children forked during the stop, close() in parallel. */
public abstract class StopContractTest extends AbstractBackendTest {

    private static boolean ready(ProcessContainer c) {
        return c.output().lines(ProcessOutput.Stream.STDOUT).contains("ready");
    }

    @Test
    void childIgnoringTermIsKilledAfterTheTimeout() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("stubborn", ProcessSpec.builder(scripts.path("ignore-term.sh"))
                .stopTimeout(Duration.ofMillis(500)).build());
        assertThat(Procs.await(SOON, () -> ready(c))).isTrue();
        ExitStatus st = c.stop();
        assertThat(st).isEqualTo(ExitStatus.killed(Signal.KILL));
        assertThat(c.state()).isEqualTo(ProcessState.STOPPED);
        assertThat(Procs.alive(c.pid())).isFalse();
        assertThat(pm.running("stubborn")).isFalse();
    }

    @Test
    void grandchildrenAreStoppedToo() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("tree", ProcessSpec.builder(scripts.path("tree.sh")).args(marker)
                .stopTimeout(Duration.ofMillis(500)).build());
        assertThat(Procs.await(SOON, () -> ready(c) && Procs.withMarker(marker + "-").size() == 2)).isTrue();
        c.stop();
        assertThat(Procs.withMarker(marker)).isEmpty();
    }

    @Test
    void grandchildrenAreStoppedWithoutANewSessionToo() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("flat", ProcessSpec.builder(scripts.path("tree.sh")).args(marker)
                .newSession(false).stopTimeout(Duration.ofMillis(500)).build());
        assertThat(Procs.await(SOON, () -> ready(c) && Procs.withMarker(marker + "-").size() == 2)).isTrue();
        c.stop();
        assertThat(Procs.withMarker(marker)).isEmpty();
    }

    @Test
    void grandchildForkedDuringStopIsStoppedToo() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("late", ProcessSpec.builder(scripts.path("spawn-during-stop.sh")).args(marker)
                .stopTimeout(Duration.ofMillis(800)).build());
        assertThat(Procs.await(SOON, () -> ready(c))).isTrue();
        c.stop();
        assertThat(Procs.withMarker(marker)).isEmpty();
    }

    @Test
    void stopOfCrashedProcessOnlyReleasesTheTag() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("gone", "/bin/sh", "-c", "exit 9");
        c.onExit().join();
        assertThat(c.stop()).isEqualTo(ExitStatus.exited(9));
        assertThat(pm.running("gone")).isFalse();
    }

    @Test
    void leftoverGrandchildOfACrashedProcessIsStoppedWithIt() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("orphaner", ProcessSpec.builder("/bin/sh")
                .args("-c", "sh -c 'while :; do sleep 1; done' " + marker + " & exit 4").build());
        assertThat(c.onExit().join()).isEqualTo(ExitStatus.exited(4));
        assertThat(Procs.await(SOON, () -> Procs.withMarker(marker).size() == 1)).isTrue();
        c.stop();
        assertThat(Procs.withMarker(marker)).isEmpty();
    }

    @Test
    void zeroTimeoutKillsAtOnce() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("now", ProcessSpec.builder(scripts.path("ignore-term.sh")).build());
        assertThat(Procs.await(SOON, () -> ready(c))).isTrue();
        assertThat(c.stop(Duration.ZERO)).isEqualTo(ExitStatus.killed(Signal.KILL));
    }

    @Test
    void stopSignalIsConfigurable() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("int", ProcessSpec.builder("/bin/sh")
                .args("-c", "trap 'exit 0' INT; trap '' TERM; echo ready; while :; do sleep 0.05; done")
                .stopSignal(Signal.INT).stopTimeout(Duration.ofSeconds(30)).build());
        assertThat(Procs.await(SOON, () -> ready(c))).isTrue();
        assertThat(c.stop()).isEqualTo(ExitStatus.exited(0));
    }

    @Test
    void concurrentStopsAgree() throws Exception {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("race", ProcessSpec.builder(scripts.path("ignore-term.sh"))
                .stopTimeout(Duration.ofMillis(300)).build());
        assertThat(Procs.await(SOON, () -> ready(c))).isTrue();
        List<Thread> ts = new ArrayList<>();
        List<ExitStatus> results = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 8; i++) {
            Thread t = new Thread(() -> results.add(c.stop()));
            ts.add(t);
            t.start();
        }
        for (Thread t : ts) {
            t.join();
        }
        assertThat(results).hasSize(8).containsOnly(ExitStatus.killed(Signal.KILL));
        assertThat(pm.running("race")).isFalse();
    }

    /**
     * 100 processes that ignore TERM with a 2 s stop timeout: stopped one after another this would
     * take 200 s; in parallel it takes about one timeout. The bound is generous (hang protection).
     */
    @Test
    void closeStopsAHundredProcessesInParallel() {
        ProcessManager pm = newManager();
        List<ProcessContainer> cs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            cs.add(pm.create("p" + i, ProcessSpec.builder(scripts.path("ignore-term.sh"))
                    .stopTimeout(Duration.ofSeconds(2)).build()));
        }
        assertThat(Procs.await(SOON.multipliedBy(3), () -> cs.stream().allMatch(StopContractTest::ready))).isTrue();
        long t0 = System.nanoTime();
        pm.close();
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(cs).allMatch(c -> c.state() == ProcessState.STOPPED);
        assertThat(cs).allMatch(c -> !Procs.alive(c.pid()));
        assertThat(pm.list()).isEmpty();
        assertThat(took).isLessThan(Duration.ofSeconds(40));
    }
}
