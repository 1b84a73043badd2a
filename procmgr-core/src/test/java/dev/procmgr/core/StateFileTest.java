package dev.procmgr.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.procmgr.core.GuardianTest.Group;
import dev.procmgr.core.GuardianTest.P;
import dev.procmgr.core.GuardianTest.Procs;
import dev.procmgr.spi.SessionSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The state file and its sweep, with real processes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StateFileTest {
    private static final Duration DEADLINE = Duration.ofSeconds(5);
    private static final String TWO_CHILDREN = "sleep 1000 & sleep 1000 & wait";

    private final Procs procs = new Procs();

    @TempDir
    Path tmp;

    @BeforeAll
    static void linuxWithSetsid() {
        assumeTrue(ProcTable.available(), "needs /proc");
        assumeTrue(SessionSupport.setsidBinary().isPresent(), "needs setsid");
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        procs.killAllAndCheck();
    }

    @Test
    void sweepKillsOnlyWhatMatchesInBootStartTimeAndCommandThenEmptiesTheFile() throws Exception {
        String boot = StateFile.bootId().orElseThrow();
        String setsid = SessionSupport.setsidBinary().orElseThrow().toString();
        // a group with a child that left it (setsid itself), recorded with the setsid prefix
        String daemonizing = "setsid sleep 1000 & sleep 1000 & wait";
        Group match = procs.group(daemonizing, 2);
        // a group that ignores TERM: KILLed after the grace
        String stubbornScript = "trap '' TERM; " + TWO_CHILDREN;
        Group stubborn = procs.group(stubbornScript, 2);
        Process single = procs.plain("/bin/sleep", "1001");
        Process otherStart = procs.plain("/bin/sleep", "1002");
        Process otherCommand = procs.plain("/bin/sleep", "1003");
        Process otherBoot = procs.plain("/bin/sleep", "1004");
        Process gone = procs.plain("/bin/sleep", "1005");
        long goneStart = start(gone.pid());
        gone.destroyForcibly().waitFor();

        Path file = tmp.resolve("state");
        StateFile.writeEntries(file, List.of(
                new StateFile.Entry("match", match.pgid(), OptionalLong.of(match.pgid()), match.leader().start(), boot,
                        List.of(setsid, "/bin/sh", "-c", daemonizing)),
                new StateFile.Entry("stubborn", stubborn.pgid(), OptionalLong.of(stubborn.pgid()), stubborn.leader().start(),
                        boot, List.of("/bin/sh", "-c", stubbornScript)),
                new StateFile.Entry("single", single.pid(), OptionalLong.empty(), start(single.pid()), boot,
                        List.of("/bin/sleep", "1001")),
                new StateFile.Entry("otherStart", otherStart.pid(), OptionalLong.empty(), start(otherStart.pid()) + 3,
                        boot, List.of("/bin/sleep", "1002")),
                new StateFile.Entry("otherCommand", otherCommand.pid(), OptionalLong.empty(), start(otherCommand.pid()),
                        boot, List.of("/bin/sleep", "999")),
                new StateFile.Entry("otherBoot", otherBoot.pid(), OptionalLong.empty(), start(otherBoot.pid()),
                        "00000000-0000-0000-0000-000000000000", List.of("/bin/sleep", "1004")),
                new StateFile.Entry("gone", gone.pid(), OptionalLong.empty(), goneStart, boot, List.of("/bin/sleep", "1005"))));

        long t0 = System.nanoTime();
        StateFile.SweepResult r = StateFile.sweep(file, Duration.ofMillis(800));
        long ms = (System.nanoTime() - t0) / 1_000_000;

        assertThat(r.killed()).extracting(StateFile.Entry::tag).containsExactlyInAnyOrder("match", "stubborn", "single");
        assertThat(r.skipped()).extracting(s -> s.entry().tag())
                .containsExactlyInAnyOrder("otherStart", "otherCommand", "otherBoot", "gone");
        assertThat(r.skipped()).allSatisfy(s -> assertThat(s.reason()).isNotBlank());
        List<P> killed = new ArrayList<>(match.all());
        killed.addAll(stubborn.all());
        assertThat(Procs.awaitDead(killed, DEADLINE)).as("matching groups, their children and the daemon").isEmpty();
        assertThat(single.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(List.of(otherStart, otherCommand, otherBoot)).allMatch(Process::isAlive);
        assertThat(StateFile.readEntries(file)).isEmpty();
        assertThat(Files.readString(file)).startsWith("# procmgr state file");
        System.out.printf("state file: sweep of 3 matching entries (one ignoring TERM, grace 800 ms): %d ms%n", ms);
    }

    @Test
    void openSweepsWhatACrashedPredecessorLeft() throws Exception {
        Path file = tmp.resolve("dir/state");
        StateFile first = StateFile.open(file);
        Group grp = procs.group(TWO_CHILDREN, 2);
        Process single = procs.plain("/bin/sleep", "1006");
        first.launched("grp", grp.pgid(), true, List.of("/bin/sh", "-c", TWO_CHILDREN));
        first.launched("single", single.pid(), false, List.of("/bin/sleep", "1006"));
        List<StateFile.Entry> recorded = StateFile.readEntries(file);
        assertThat(recorded).extracting(StateFile.Entry::tag).containsExactly("grp", "single");
        assertThat(recorded.get(0).pgid()).hasValue(grp.pgid());
        assertThat(recorded.get(0).startTime()).isEqualTo(grp.leader().start());
        assertThat(recorded.get(0).bootId()).isEqualTo(StateFile.bootId().orElseThrow());
        assertThat(recorded.get(1).pgid()).isEmpty();
        first.abandon(); // the supervisor crashed: lock gone, file as it was

        StateFile second = StateFile.open(file, Duration.ofSeconds(1));
        try {
            assertThat(second.sweepResult().killed()).extracting(StateFile.Entry::tag)
                    .containsExactlyInAnyOrder("grp", "single");
            assertThat(Procs.awaitDead(grp.all(), DEADLINE)).isEmpty();
            assertThat(single.waitFor(5, TimeUnit.SECONDS)).isTrue();
            assertThat(StateFile.readEntries(file)).isEmpty();
        } finally {
            second.close();
        }
    }

    @Test
    void launchedAndReleasedRewriteTheFileAndCloseEmptiesIt() throws Exception {
        Path file = tmp.resolve("state");
        StateFile f = StateFile.open(file);
        assertThat(f.sweepResult().killed()).isEmpty();
        Process a = procs.plain("/bin/sleep", "1007");
        Process b = procs.plain("/bin/sleep", "1008");
        f.launched("a", a.pid(), false, List.of("/bin/sleep", "1007"));
        f.launched("b", b.pid(), false, List.of("/bin/sleep", "1008"));
        assertThat(StateFile.readEntries(file)).extracting(StateFile.Entry::pid).containsExactly(a.pid(), b.pid());

        f.released(a.pid());
        f.released(4_000_000L); // unknown: nothing changes
        assertThat(StateFile.readEntries(file)).extracting(StateFile.Entry::pid).containsExactly(b.pid());

        // a reused pid whose earlier process is released after the later one was launched
        f.launched("b2", b.pid(), false, List.of("/bin/sleep", "1008"));
        f.released(b.pid());
        assertThat(StateFile.readEntries(file)).extracting(StateFile.Entry::tag).containsExactly("b2");

        f.close();
        f.close();
        f.launched("late", a.pid(), false, List.of("x"));
        assertThat(StateFile.readEntries(file)).isEmpty();
        try (var listing = Files.list(tmp)) {
            assertThat(listing.map(p -> p.getFileName().toString()).collect(Collectors.toList()))
                    .containsExactlyInAnyOrder("state", "state.lock");
        }
        StateFile.open(file).close(); // the lock was released
    }

    @Test
    void aLiveHolderKeepsOthersFromSweeping() {
        Path file = tmp.resolve("state");
        StateFile f = StateFile.open(file);
        try {
            assertThatThrownBy(() -> StateFile.open(file)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("in use");
            assertThatThrownBy(() -> StateFile.sweep(file)).isInstanceOf(IllegalStateException.class);
        } finally {
            f.close();
        }
        assertThat(StateFile.sweep(file).killed()).isEmpty();
    }

    @Test
    void awkwardTagsAndArgumentsSurviveTheFile() throws Exception {
        Path file = tmp.resolve("state");
        List<String> argv = List.of("/bin/echo", "a\tb", "c\nd", "back\\slash\\t", "", "é ü", "\r");
        StateFile.Entry e = new StateFile.Entry("tag\twith\\odd\nchars", 42, OptionalLong.of(42), 123, "boot", argv);
        StateFile.writeEntries(file, List.of(e));
        assertThat(StateFile.readEntries(file)).containsExactly(e);
    }

    @Test
    void commandMatching() {
        List<String> cmd = List.of("/opt/app/run.sh", "--port", "8080");
        assertThat(StateFile.commandMatches(cmd, cmd)).isTrue();
        assertThat(StateFile.commandMatches(List.of("/usr/bin/setsid", "/opt/app/run.sh", "--port", "8080"), cmd)).isTrue();
        assertThat(StateFile.commandMatches(cmd, List.of("/bin/sh", "/opt/app/run.sh", "--port", "8080"))).isTrue();
        assertThat(StateFile.commandMatches(cmd, List.of("/usr/bin/env", "bash", "/opt/app/run.sh", "--port", "8080")))
                .isTrue();
        assertThat(StateFile.commandMatches(cmd, List.of("/opt/app/run.sh", "--port", "8081"))).isFalse();
        assertThat(StateFile.commandMatches(cmd, List.of("/opt/app/run.sh"))).isFalse();
        assertThat(StateFile.commandMatches(cmd, List.of("a", "b", "c", "/opt/app/run.sh", "--port", "8080"))).isFalse();
        assertThat(StateFile.commandMatches(List.of(), List.of("x"))).isFalse();
    }

    private static long start(long pid) {
        return P.of(pid).orElseThrow().start();
    }
}
