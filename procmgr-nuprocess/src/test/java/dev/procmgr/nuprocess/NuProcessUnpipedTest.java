package dev.procmgr.nuprocess;

import static dev.procmgr.nuprocess.TestSupport.assertNoDescendants;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.Signal;
import dev.procmgr.spi.LaunchRequest;
import dev.procmgr.spi.LaunchedProcess;
import dev.procmgr.spi.StdinSource;
import dev.procmgr.spi.StreamTarget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A process with nothing piped (stdin null, both streams discarded) bypasses NuProcess: its fds
 * 0-2 are /dev/null, its exit is seen by the watcher (or a thread of its own) and reaped here.
 */
@Timeout(120)
class NuProcessUnpipedTest {

    private final NuProcessLauncher launcher = new NuProcessLauncher();

    @BeforeEach
    void onThePosixSpawnPathWithTheWatcher() {
        assumeTrue(launcher.usesPosixSpawn() && PidfdExitWatcher.shared().isPresent(), "posix_spawn and pidfd needed");
    }

    @AfterEach
    void noLeftovers() throws InterruptedException {
        assertNoDescendants();
    }

    private static LaunchRequest unpiped(List<String> argv, boolean merge, boolean newSession) {
        return new LaunchRequest(argv, System.getenv(), Path.of("/tmp"), new StdinSource.Null(),
                new StreamTarget.Discard(), new StreamTarget.Discard(), merge, newSession);
    }

    private static String fdTarget(long pid, int fd) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/" + fd)).toString();
    }

    private static String statField(long pid, int index) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[index];
    }

    @Test
    void allThreeStreamsAreDevNullAndNuProcessIsNotInvolved() throws Exception {
        for (boolean merge : new boolean[] {false, true}) {
            LaunchedProcess p = launcher.launch(unpiped(List.of("/bin/sleep", "60"), merge, false));
            assertThat(p).isInstanceOf(UnpipedProcess.class);
            for (int fd = 0; fd <= 2; fd++) {
                assertThat(fdTarget(p.pid(), fd)).as("fd %d (merge %s)", fd, merge).isEqualTo("/dev/null");
            }
            assertThat(p.isAlive()).isTrue();
            p.signal(Signal.KILL);
            assertThat(p.onExit().get(20, TimeUnit.SECONDS)).isEqualTo(ExitStatus.killed(Signal.KILL));
            assertThat(p.isAlive()).isFalse();
        }
    }

    @Test
    void aPipedStreamStillGoesThroughNuProcess() throws Exception {
        LaunchRequest captured = new LaunchRequest(List.of("/bin/true"), System.getenv(), Path.of("/tmp"),
                new StdinSource.Null(), new StreamTarget.Pipe(new TestSupport.CapturingSink()), new StreamTarget.Discard(),
                false, false);
        LaunchedProcess p = launcher.launch(captured);
        assertThat(p).isInstanceOf(NuLaunchedProcess.class);
        assertThat(p.onExit().get(20, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(0));
    }

    @Test
    void exactStatusesSignalsAndSessionThenNoZombie() throws Exception {
        LaunchedProcess exit7 = launcher.launch(unpiped(List.of("/bin/sh", "-c", "exit 7"), false, true));
        assertThat(exit7.sessionLeader()).isTrue();
        assertThat(exit7.onExit().get(20, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(7));
        assertNotAZombie(exit7.pid());

        // USR1 is neither TERM nor KILL: delivered as itself, and the status says which signal
        LaunchedProcess sleeper = launcher.launch(unpiped(List.of("/bin/sleep", "60"), false, true));
        assertThat(statField(sleeper.pid(), 2)).as("pgid").isEqualTo(Long.toString(sleeper.pid()));
        sleeper.signal(Signal.USR1);
        assertThat(sleeper.onExit().get(20, TimeUnit.SECONDS)).isEqualTo(ExitStatus.killed(Signal.USR1));
        sleeper.signal(Signal.KILL); // after the reap: ignored, never sent to a pid that may be reused
        assertNotAZombie(sleeper.pid());
    }

    @Test
    void stdinIsNotAPipe() throws Exception {
        LaunchedProcess p = launcher.launch(unpiped(List.of("/bin/sleep", "60"), false, false));
        assertThatThrownBy(() -> p.writeStdin(ByteBuffer.wrap(new byte[] {1})))
                .isInstanceOf(IOException.class).hasMessageContaining("not a pipe");
        p.closeStdin(); // nothing to close, no error
        p.signal(Signal.TERM);
        assertThat(p.onExit().get(20, TimeUnit.SECONDS)).isEqualTo(ExitStatus.killed(Signal.TERM));
    }

    @Test
    void withoutTheWatcherAThreadOfItsOwnWaitsAndReaps() throws Exception {
        for (String script : List.of("exit 3", "kill -9 $$")) {
            int pid = PosixSpawn.spawn(List.of("/bin/sh", "-c", script), PosixSpawn.environmentBlock(System.getenv()),
                    Path.of("/tmp"), false, false, PosixSpawn.DEV_NULL, PosixSpawn.DEV_NULL, PosixSpawn.DEV_NULL);
            UnpipedProcess p = UnpipedProcess.waitedOnOwnThread(pid, List.of("/bin/sh", "-c", script), false);
            ExitStatus expected = script.startsWith("exit") ? ExitStatus.exited(3) : ExitStatus.killed(Signal.KILL);
            assertThat(p.onExit().get(20, TimeUnit.SECONDS)).isEqualTo(expected);
            assertNotAZombie(pid);
        }
    }

    @Test
    void aFailedExecIsAnIOExceptionAndLeavesNothing() {
        assertThatThrownBy(() -> launcher.launch(unpiped(List.of("/nonexistent/procmgr-unpiped"), false, false)))
                .isInstanceOf(IOException.class).hasMessageContaining("/nonexistent/procmgr-unpiped")
                .hasMessageContaining("error=2");
    }

    /** The pid is gone, or taken again by someone else: not our zombie either way. */
    private static void assertNotAZombie(long pid) throws IOException {
        Path stat = Path.of("/proc/" + pid + "/stat");
        if (!Files.exists(stat)) {
            return;
        }
        String state;
        try {
            state = statField(pid, 0);
        } catch (IOException gone) {
            return;
        }
        assertThat(state).as("state of pid %d", pid).isNotEqualTo("Z");
    }
}
