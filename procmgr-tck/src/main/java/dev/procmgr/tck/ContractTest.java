package dev.procmgr.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procmgr.api.DuplicateTagException;
import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.InvalidTagException;
import dev.procmgr.api.ManagerClosedException;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessInfo;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.api.ProcessSpec;
import dev.procmgr.api.ProcessState;
import dev.procmgr.api.Signal;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The seed scenario of the original contract: create, running, fetch, stop, duplicates, crashes. */
public abstract class ContractTest extends AbstractBackendTest {

    @Test
    void createRunningFetchStop() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("sleeper", "sleep", "1000");
        assertThat(pm.running("sleeper")).isTrue();
        assertThat(pm.fetch("sleeper")).containsSame(c);
        assertThat(c.tag()).isEqualTo("sleeper");
        assertThat(c.isAlive()).isTrue();
        assertThat(c.pid()).isPositive();
        assertThat(ProcessHandle.of(c.pid())).isPresent();
        assertThat(c.state()).isIn(ProcessState.STARTING, ProcessState.RUNNING);
        assertThat(pm.list()).containsExactly(c);

        ExitStatus st = c.stop();
        assertThat(st).isEqualTo(ExitStatus.killed(Signal.TERM));
        assertThat(c.isAlive()).isFalse();
        assertThat(c.state()).isEqualTo(ProcessState.STOPPED);
        assertThat(pm.running("sleeper")).isFalse();
        assertThat(pm.fetch("sleeper")).isEmpty();
        assertThat(pm.list()).isEmpty();
        assertThat(Procs.alive(c.pid())).isFalse();
    }

    @Test
    void stopIsIdempotent() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("twice", "sleep", "1000");
        ExitStatus first = c.stop();
        assertThat(c.stop()).isEqualTo(first);
        assertThat(c.stop(Duration.ZERO)).isEqualTo(first);
        assertThat(pm.running("twice")).isFalse();
    }

    @Test
    void duplicateTagIsRefusedAndStartsNothing() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("dup", "sleep", "1000");
        assertThatThrownBy(() -> pm.create("dup", "sleep", "1001"))
                .isInstanceOf(DuplicateTagException.class)
                .hasMessageContaining("dup");
        assertThat(pm.list()).containsExactly(c);
        // precisely "the refused create started nothing" (a count of all children also counted
        // another test's child in the instant before it was reaped, once in a CI run)
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                .filter(h -> h.info().arguments().map(a -> java.util.Arrays.asList(a).contains("1001")).orElse(false)))
                .isEmpty();
        assertThat(Procs.alive(c.pid())).isTrue();
    }

    @Test
    void fetchOfUnknownTagIsEmpty() {
        ProcessManager pm = newManager();
        assertThat(pm.fetch("nobody")).isEmpty();
        assertThat(pm.fetch("not a valid tag!")).isEmpty();
        assertThat(pm.fetch(null)).isEmpty();
        assertThat(pm.running("nobody")).isFalse();
    }

    @Test
    void crashKeepsTagInUseUntilStopped() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("crasher", "/bin/sh", "-c", "exit 3");
        assertThat(c.onExit().join()).isEqualTo(ExitStatus.exited(3));
        assertThat(pm.running("crasher")).isTrue();
        assertThat(c.isAlive()).isFalse();
        assertThat(c.state()).isEqualTo(ProcessState.EXITED);
        assertThat(c.exitStatus()).contains(ExitStatus.exited(3));
        assertThatThrownBy(() -> pm.create("crasher", "sleep", "1")).isInstanceOf(DuplicateTagException.class);

        assertThat(c.stop()).isEqualTo(ExitStatus.exited(3));
        assertThat(pm.running("crasher")).isFalse();
    }

    @Test
    void manualCrashRestartPatternWorksVerbatim() {
        ProcessManager pm = newManager();
        String t = "worker";
        ProcessSpec spec = ProcessSpec.of("/bin/sh", "-c", "exit 1");
        pm.create(t, spec).onExit().join();

        // the pattern from DESIGN.md, as written
        if (pm.running(t) && !pm.fetch(t).orElseThrow().isAlive()) pm.fetch(t).orElseThrow().stop();
        if (!pm.running(t)) pm.create(t, spec);

        ProcessContainer again = pm.fetch(t).orElseThrow();
        assertThat(again.onExit().join()).isEqualTo(ExitStatus.exited(1));
        assertThat(pm.running(t)).isTrue();
    }

    @Test
    void tagCanBeReusedAfterStop() {
        ProcessManager pm = newManager();
        ProcessContainer a = pm.create("reuse", "sleep", "1000");
        a.stop();
        ProcessContainer b = pm.create("reuse", "sleep", "1000");
        assertThat(b).isNotSameAs(a);
        assertThat(b.pid()).isNotEqualTo(a.pid());
        assertThat(pm.fetch("reuse")).containsSame(b);
    }

    @Test
    void exitStatusTellsCodeFromSignal() {
        ProcessManager pm = newManager();
        assertThat(pm.create("ok", "/bin/sh", "-c", "exit 0").onExit().join()).matches(ExitStatus::success);
        assertThat(pm.create("code", "/bin/sh", "-c", "exit 42").onExit().join().code()).hasValue(42);
        ExitStatus killed = pm.create("selfkill", "/bin/sh", "-c", "kill -9 $$").onExit().join();
        assertThat(killed.signalName()).contains(Signal.KILL);
        assertThat(killed.code()).isEmpty();
    }

    @Test
    void invalidTagsAreRefusedBeforeAnythingStarts() {
        ProcessManager pm = newManager();
        for (String bad : new String[] {"", "has space", "tab\t", "new\nline", "slash/x", "x".repeat(129), "nul\0"}) {
            assertThatThrownBy(() -> pm.create(bad, "sleep", "987")).isInstanceOf(InvalidTagException.class);
        }
        assertThatThrownBy(() -> pm.create(null, "sleep", "987")).isInstanceOf(InvalidTagException.class);
        assertThat(pm.create("A-z.0_9:x@y", "true").onExit().join().success()).isTrue();
        // none of the refused creates (sleep 987) started anything
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                .filter(h -> h.info().arguments().map(a -> java.util.Arrays.asList(a).contains("987")).orElse(false)))
                .isEmpty();
        assertThat(pm.list()).hasSize(1);
    }

    @Test
    void listKeepsCreationOrderAndInfoIsASnapshot() {
        ProcessManager pm = newManager();
        ProcessContainer a = pm.create("a", "sleep", "1000");
        ProcessContainer b = pm.create("b", ProcessSpec.builder("sleep").args("1000").startSeconds(Duration.ZERO).build());
        assertThat(pm.list()).containsExactly(a, b);
        ProcessInfo info = b.info();
        assertThat(info.tag()).isEqualTo("b");
        assertThat(info.pid()).hasValue(b.pid());
        assertThat(info.command()).containsExactly("sleep", "1000");
        assertThat(info.startTime()).isPresent();
        assertThat(info.exit()).isEmpty();
        b.stop();
        assertThat(info.state()).isNotEqualTo(ProcessState.STOPPED);
        assertThat(b.info().state()).isEqualTo(ProcessState.STOPPED);
        assertThat(b.info().exit()).isPresent();
    }

    @Test
    void startSecondsPromotesToRunning() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("promote", ProcessSpec.builder("sleep").args("1000")
                .startSeconds(Duration.ofMillis(100)).build());
        assertThat(Procs.await(SOON, () -> c.state() == ProcessState.RUNNING)).isTrue();
    }

    @Test
    void closeStopsEverythingAndRefusesNewCreates() {
        ProcessManager pm = newManager();
        ProcessContainer a = pm.create("one", "sleep", "1000");
        ProcessContainer b = pm.create("two", "/bin/sh", "-c", "exit 5");
        b.onExit().join();
        pm.close();
        assertThat(a.state()).isEqualTo(ProcessState.STOPPED);
        assertThat(pm.list()).isEmpty();
        assertThat(Procs.alive(a.pid())).isFalse();
        assertThatThrownBy(() -> pm.create("three", "sleep", "1")).isInstanceOf(ManagerClosedException.class);
        pm.close(); // idempotent
    }

    @Test
    void environmentAndWorkingDirectoryReachTheChild() throws Exception {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("env", ProcessSpec.builder("/bin/sh")
                .args("-c", "echo \"$PROCMGR_X $(pwd)\"; echo \"home=${HOME:-unset}\"")
                .env("PROCMGR_X", "hello").directory(tmp).inheritEnv(false).build());
        c.onExit().join();
        assertThat(c.output().lines(dev.procmgr.api.ProcessOutput.Stream.STDOUT))
                .containsExactly("hello " + tmp.toRealPath(), "home=unset");
    }

    @Test
    void signalIsDelivered() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("sig", ProcessSpec.builder("/bin/sh")
                .args("-c", "trap 'echo got-usr1; exit 7' USR1; echo ready; while :; do sleep 0.05; done").build());
        assertThat(Procs.await(SOON, () -> c.output().lines(dev.procmgr.api.ProcessOutput.Stream.STDOUT).contains("ready"))).isTrue();
        c.signal(Signal.USR1);
        assertThat(c.onExit().join()).isEqualTo(ExitStatus.exited(7));
        assertThat(c.output().lines(dev.procmgr.api.ProcessOutput.Stream.STDOUT)).contains("got-usr1");
    }

    /**
     * A caller's stage on {@code onExit()} that blocks, here by stopping another process, holds
     * up that caller only: it runs on a procmgr callback thread, never on the backend thread that
     * sees exits and output, so other exits, output and the stop itself go on.
     */
    @Test
    void aBlockingExitStageHoldsUpNoOtherProcess() throws Exception {
        ProcessManager pm = newManager();
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try {
            ProcessContainer victim = pm.create("victim", "sleep", "1000");
            ProcessContainer first = pm.create("first", "/bin/sh", "-c", "sleep 0.5");
            java.util.concurrent.CompletableFuture<ExitStatus> stopped = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.CompletableFuture<String> stageThread = new java.util.concurrent.CompletableFuture<>();
            first.onExit().thenRun(() -> {
                stageThread.complete(Thread.currentThread().getName());
                stopped.complete(victim.stop()); // blocks this stage until the victim is gone
                try {
                    release.await(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(stageThread.get(SOON.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
                    .as("the stage runs on a procmgr thread").startsWith("procmgr-");
            assertThat(stopped.get(SOON.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
                    .as("a stop from inside an exit stage sees its own exit").isEqualTo(ExitStatus.killed(Signal.TERM));
            ProcessContainer second = pm.create("second", "/bin/sh", "-c", "echo second");
            assertThat(Procs.await(SOON, () -> second.onExit().isDone()))
                    .as("the exit of another process is seen while an exit stage blocks").isTrue();
            assertThat(second.output().lines(dev.procmgr.api.ProcessOutput.Stream.STDOUT)).containsExactly("second");
        } finally {
            release.countDown();
            pm.close();
        }
    }
}
