package dev.procmgr.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.ProcessSpec;
import dev.procmgr.api.ProcessState;
import dev.procmgr.api.Signal;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The stop escalation, on a hand-driven clock: signal, timeout, KILL, release. */
class StopEscalationTest {
    private final CoreTestSupport t = new CoreTestSupport();

    @AfterEach
    void close() {
        t.closeAll();
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void termRespectingProcessGetsOnlyTheStopSignal() {
        ManagedProcess p = (ManagedProcess) t.pm.create("polite", "sleep", "1");
        CompletableFuture<ExitStatus> stop = p.stopAsync(Duration.ofSeconds(5));
        t.clock.advance(Duration.ofMillis(100));
        assertThat(stop).isCompletedWithValue(ExitStatus.killed(Signal.TERM));
        assertThat(t.launcher.signalLog).containsExactly("TERM -" + p.pid());
        assertThat(t.pm.running("polite")).isFalse();
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void termIgnoringProcessIsKilledExactlyAtTheTimeout() {
        t.launcher.ignoreTerm = true;
        ManagedProcess p = (ManagedProcess) t.pm.create("stubborn", ProcessSpec.builder("sleep")
                .stopTimeout(Duration.ofSeconds(5)).build());
        CompletableFuture<ExitStatus> stop = p.stopAsync(p.spec().stopTimeout());
        assertThat(p.state()).isEqualTo(ProcessState.STOPPING);
        t.clock.advance(Duration.ofMillis(4_990));
        assertThat(stop).isNotDone();
        assertThat(t.launcher.signalLog).containsOnly("TERM -" + p.pid());
        assertThat(t.pm.running("stubborn")).isTrue();
        t.clock.advance(Duration.ofMillis(100));
        assertThat(stop).isCompletedWithValue(ExitStatus.killed(Signal.KILL));
        assertThat(t.launcher.signalLog).containsExactly("TERM -" + p.pid(), "KILL -" + p.pid());
        assertThat(p.state()).isEqualTo(ProcessState.STOPPED);
        assertThat(t.pm.running("stubborn")).isFalse();
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void configuredStopSignalGoesFirst() {
        t.launcher.ignoreTerm = true;
        ManagedProcess p = (ManagedProcess) t.pm.create("hup", ProcessSpec.builder("sleep").stopSignal(Signal.HUP).build());
        CompletableFuture<ExitStatus> stop = p.stopAsync(Duration.ofSeconds(1));
        t.clock.advance(Duration.ofSeconds(2));
        assertThat(stop).isCompletedWithValue(ExitStatus.killed(Signal.KILL));
        assertThat(t.launcher.signalLog).containsExactly("HUP -" + p.pid(), "KILL -" + p.pid());
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void processNotLeadingAGroupIsSignalledByPid() {
        ManagedProcess p = (ManagedProcess) t.pm.create("flat", ProcessSpec.builder("sleep").newSession(false).build());
        CompletableFuture<ExitStatus> stop = p.stopAsync(Duration.ofSeconds(1));
        t.clock.advance(Duration.ofMillis(10));
        assertThat(stop).isCompletedWithValue(ExitStatus.killed(Signal.TERM));
        assertThat(t.launcher.signalLog).containsExactly("TERM " + p.pid());
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void stopOfAnExitedProcessSignalsNothingAndReleases() {
        ManagedProcess p = (ManagedProcess) t.pm.create("done", "sleep", "1");
        t.launcher.last().exit(ExitStatus.exited(2));
        assertThat(p.state()).isEqualTo(ProcessState.EXITED);
        CompletableFuture<ExitStatus> stop = p.stopAsync(Duration.ofSeconds(1));
        t.clock.advance(Duration.ofMillis(10));
        assertThat(stop).isCompletedWithValue(ExitStatus.exited(2));
        // the group is gone and no process holds the pid: at most a TERM to the empty group
        assertThat(t.launcher.signalLog).allMatch(s -> s.equals("TERM -" + p.pid()));
        assertThat(t.pm.running("done")).isFalse();
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void stopOfAnExitedProcessWhoseGroupIsGoneCompletesAtOnceWithoutSignals() {
        ManagedProcess p = (ManagedProcess) t.pm.create("gone", "sleep", "1");
        t.launcher.last().exit(ExitStatus.exited(0));
        CompletableFuture<ExitStatus> stop = p.stopAsync(Duration.ofSeconds(1));
        // no clock advance, no poll: the empty group is seen by one kill(-pgid, 0)
        assertThat(stop).isCompletedWithValue(ExitStatus.exited(0));
        assertThat(t.launcher.signalLog).isEmpty();
        assertThat(t.pm.running("gone")).isFalse();
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void killGoesOutAtTheDeadlineNotAtTheNextPoll() {
        t.launcher.ignoreTerm = true;
        ManagedProcess p = (ManagedProcess) t.pm.create("late", ProcessSpec.builder("sleep").build());
        CompletableFuture<ExitStatus> stop = p.stopAsync(Duration.ofMillis(517));
        t.clock.advance(Duration.ofMillis(516));
        assertThat(t.launcher.signalLog).containsOnly("TERM -" + p.pid());
        t.clock.advance(Duration.ofMillis(1));
        // polls back off to 50 ms apart; the deadline is kept to the millisecond all the same
        assertThat(t.launcher.signalLog).containsExactly("TERM -" + p.pid(), "KILL -" + p.pid());
        assertThat(stop).isCompletedWithValue(ExitStatus.killed(Signal.KILL));
    }
}
