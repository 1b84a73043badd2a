package dev.procmgr.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessInfo;
import dev.procmgr.api.ProcessSpec;
import dev.procmgr.api.ProcessState;
import dev.procmgr.api.RestartPolicy;
import dev.procmgr.api.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The state machine and backoff on a hand-driven clock: no real sleeping. */
class SupervisionTest {
    private final CoreTestSupport t = new CoreTestSupport();
    private static final RestartPolicy POLICY = RestartPolicy.ON_FAILURE.withJitter(0)
            .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(5)).withMaxRestarts(5);

    @AfterEach
    void close() {
        t.closeAll();
    }

    private ProcessContainer create(RestartPolicy policy) {
        return t.pm.create("svc", ProcessSpec.builder("sleep").restartPolicy(policy).build());
    }

    private Duration nextDelay(ProcessContainer c) {
        ProcessInfo i = c.info();
        return Duration.between(t.clock.now(), i.nextRestart().orElseThrow());
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void backoffDoublesUpToTheCapThenFatal() {
        ProcessContainer c = create(POLICY);
        List<Duration> delays = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            t.clock.advance(Duration.ofMillis(100)); // dies before startSeconds: a failed start
            t.launcher.last().exit(ExitStatus.exited(1));
            assertThat(c.state()).isEqualTo(ProcessState.BACKOFF);
            assertThat(c.isAlive()).isFalse();
            assertThat(t.pm.running("svc")).isTrue();
            Duration d = nextDelay(c);
            delays.add(d);
            t.clock.advance(d);
            assertThat(c.state()).isEqualTo(ProcessState.STARTING);
        }
        assertThat(delays).map(Duration::toMillis).containsExactly(1000L, 2000L, 4000L, 5000L, 5000L);
        // 6 starts so far; the 6th failure exceeds maxRestarts = 5
        t.launcher.last().exit(ExitStatus.exited(1));
        assertThat(c.state()).isEqualTo(ProcessState.FATAL);
        assertThat(t.launcher.launched).hasSize(6);
        assertThat(c.info().restarts()).isEqualTo(5);
        t.clock.advance(Duration.ofMinutes(10));
        assertThat(t.launcher.launched).hasSize(6);
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void startingBecomesRunningAfterStartSeconds() {
        ProcessContainer c = create(POLICY);
        assertThat(c.state()).isEqualTo(ProcessState.STARTING);
        t.clock.advance(Duration.ofMillis(999));
        assertThat(c.state()).isEqualTo(ProcessState.STARTING);
        t.clock.advance(Duration.ofMillis(1));
        assertThat(c.state()).isEqualTo(ProcessState.RUNNING);
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aRunThatEndsBeforeStartSecondsIsNeverPromoted() {
        List<String> seen = new CopyOnWriteArrayList<>();
        t.pm.addListener((from, to) -> seen.add(from.state() + ">" + to.state()));
        ProcessContainer c = t.pm.create("short", ProcessSpec.builder("sleep").build());
        t.clock.advance(Duration.ofMillis(500));
        t.launcher.last().exit(ExitStatus.exited(0));
        t.clock.advance(Duration.ofSeconds(5)); // past the deadline the promotion had
        assertThat(c.state()).isEqualTo(ProcessState.EXITED);
        assertThat(CoreTestSupport.eventually(() -> seen.size() == 2)).isTrue();
        assertThat(seen).containsExactly("STOPPED>STARTING", "STARTING>EXITED");
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void onExitCompletesWithTheContainerUnlocked() {
        ProcessContainer c = create(POLICY);
        AtomicReference<ProcessState> seenByAnother = new AtomicReference<>();
        // on the fake clock the stage runs on the thread that completes the exit: if that thread
        // still held the container's lock, another thread's state() would wait for the stage
        var stage = c.onExit().thenRun(() -> {
            Thread other = new Thread(() -> seenByAnother.set(c.state()));
            other.start();
            try {
                other.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.launcher.last().exit(ExitStatus.exited(1));
        assertThat(stage).isDone();
        assertThat(seenByAnother).hasValue(ProcessState.BACKOFF);
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aLongRunResetsTheBackoff() {
        ProcessContainer c = create(POLICY.withResetAfter(Duration.ofSeconds(60)));
        for (int i = 0; i < 3; i++) {
            t.launcher.last().exit(ExitStatus.exited(1));
            t.clock.advance(nextDelay(c));
        }
        t.clock.advance(Duration.ofSeconds(61));
        t.launcher.last().exit(ExitStatus.exited(1));
        assertThat(nextDelay(c)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void onFailureLeavesACleanExitAlone() {
        ProcessContainer c = create(POLICY);
        t.clock.advance(Duration.ofSeconds(2));
        t.launcher.last().exit(ExitStatus.exited(0));
        assertThat(c.state()).isEqualTo(ProcessState.EXITED);
        assertThat(t.pm.running("svc")).isTrue();
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void onFailureRestartsASignalDeathItDidNotSend() {
        ProcessContainer c = create(POLICY);
        t.clock.advance(Duration.ofSeconds(2));
        t.launcher.last().exit(ExitStatus.killed(Signal.KILL));
        assertThat(c.state()).isEqualTo(ProcessState.BACKOFF);
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void alwaysRestartsACleanExitAfterTheInitialDelay() {
        ProcessContainer c = create(RestartPolicy.ALWAYS.withJitter(0));
        t.clock.advance(Duration.ofSeconds(5));
        t.launcher.last().exit(ExitStatus.exited(0));
        assertThat(c.state()).isEqualTo(ProcessState.BACKOFF);
        assertThat(nextDelay(c)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void neverIsTheOriginalContract() {
        ProcessContainer c = t.pm.create("plain", "sleep", "1");
        t.launcher.last().exit(ExitStatus.exited(1));
        assertThat(c.state()).isEqualTo(ProcessState.EXITED);
        t.clock.advance(Duration.ofMinutes(5));
        assertThat(t.launcher.launched).hasSize(1);
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void jitterStaysWithinItsBounds() {
        ProcessContainer c = create(POLICY.withJitter(0.5).withMaxRestarts(1000));
        for (int i = 0; i < 50; i++) {
            t.launcher.last().exit(ExitStatus.exited(1));
            Duration d = nextDelay(c);
            assertThat(d).isBetween(Duration.ZERO, Duration.ofSeconds(5));
            t.clock.advance(d);
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void stopDuringBackoffCancelsTheRestart() {
        ProcessContainer c = create(POLICY);
        t.launcher.last().exit(ExitStatus.exited(1));
        assertThat(c.state()).isEqualTo(ProcessState.BACKOFF);
        var stop = ((ManagedProcess) c).stopAsync(Duration.ofSeconds(5));
        t.clock.advance(Duration.ofMinutes(1));
        assertThat(stop).isCompletedWithValue(ExitStatus.exited(1));
        assertThat(c.state()).isEqualTo(ProcessState.STOPPED);
        assertThat(t.launcher.launched).hasSize(1);
        assertThat(t.pm.running("svc")).isFalse();
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void launchFailureDuringRestartCountsAsAFailure() {
        ProcessContainer c = create(POLICY.withMaxRestarts(2));
        t.launcher.failure = r -> new java.io.IOException("error=12, Cannot allocate memory");
        t.launcher.last().exit(ExitStatus.exited(1));
        t.clock.advance(Duration.ofSeconds(1));
        assertThat(c.state()).isEqualTo(ProcessState.BACKOFF);
        t.clock.advance(Duration.ofSeconds(2));
        assertThat(c.state()).isEqualTo(ProcessState.FATAL);
        assertThat(t.launcher.launched).hasSize(1);
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void listenersSeeEveryChangeInOrderAndOneThatThrowsIsSkipped() {
        List<String> seen = new CopyOnWriteArrayList<>();
        t.pm.addListener((from, to) -> {
            throw new IllegalStateException("listener bug");
        });
        t.pm.addListener((from, to) -> seen.add(from.state() + ">" + to.state()));
        ProcessContainer c = create(POLICY);
        t.launcher.last().exit(ExitStatus.exited(1));
        t.clock.advance(Duration.ofSeconds(1));
        t.clock.advance(Duration.ofSeconds(1));
        assertThat(CoreTestSupport.eventually(() -> seen.size() == 4)).isTrue();
        assertThat(seen).containsExactly("STOPPED>STARTING", "STARTING>BACKOFF", "BACKOFF>STARTING", "STARTING>RUNNING");
        assertThat(c.info().restarts()).isEqualTo(1);
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void outputIsKeptAcrossRestarts() {
        ProcessContainer c = create(POLICY);
        t.launcher.last().print("first run\n");
        t.launcher.last().exit(ExitStatus.exited(1));
        t.clock.advance(Duration.ofSeconds(1));
        t.launcher.last().print("second run, no newline");
        t.launcher.last().exit(ExitStatus.exited(1));
        assertThat(c.output().lines(dev.procmgr.api.ProcessOutput.Stream.STDOUT))
                .containsExactly("first run", "second run, no newline");
    }
}
