package dev.procmgr.nuprocess;

import static dev.procmgr.nuprocess.TestSupport.assertNoDescendants;
import static org.assertj.core.api.Assertions.assertThat;

import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.Signal;
import dev.procmgr.spi.LaunchRequest;
import dev.procmgr.spi.LaunchedProcess;
import dev.procmgr.spi.StdinSource;
import dev.procmgr.spi.StreamTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * With both streams discarded there is no output to wait for: the exit watcher reaps the child
 * and reports the exit itself, with the exact status, and leaves no zombie.
 */
@Timeout(120)
class NuProcessDiscardExitTest {

    @AfterEach
    void noLeftovers() throws InterruptedException {
        assertNoDescendants();
    }

    private static LaunchRequest discarding(String script) {
        return new LaunchRequest(List.of("/bin/sh", "-c", script), System.getenv(), Path.of("/tmp"), new StdinSource.Null(),
                new StreamTarget.Discard(), new StreamTarget.Discard(), false, true);
    }

    @Test
    void exactStatusesReapedAndMostlyReportedByTheWatcher() throws Exception {
        NuProcessLauncher launcher = new NuProcessLauncher();
        Map<String, Integer> threads = new ConcurrentHashMap<>();
        for (int i = 0; i < 200; i++) {
            boolean killed = i % 2 == 1;
            LaunchedProcess p = launcher.launch(discarding(killed ? "kill -9 $$" : "exit 3"));
            ExitStatus st = p.onExit().whenComplete((s, e) -> threads.merge(Thread.currentThread().getName(), 1, Integer::sum))
                    .get(30, TimeUnit.SECONDS);
            assertThat(st).isEqualTo(killed ? ExitStatus.killed(Signal.KILL) : ExitStatus.exited(3));
            assertThat(p.isAlive()).isFalse();
            Path stat = Path.of("/proc/" + p.pid() + "/stat");
            if (Files.exists(stat)) { // the pid may have been taken again; then not by our zombie
                String s;
                try {
                    s = Files.readString(stat);
                } catch (java.io.IOException gone) {
                    continue;
                }
                assertThat(s.substring(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3)).as("state of pid %d", p.pid()).isNotEqualTo("Z");
            }
        }
        System.out.println("discard exits reported on: " + threads);
        assertThat(threads.getOrDefault(PidfdExitWatcher.THREAD_NAME, 0)).as("reported by the watcher: %s", threads).isPositive();
    }
}
