package dev.procmgr.nuprocess;

import static dev.procmgr.nuprocess.TestSupport.assertNoDescendants;
import static dev.procmgr.nuprocess.TestSupport.await;
import static dev.procmgr.nuprocess.TestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.Signal;
import dev.procmgr.nuprocess.TestSupport.CapturingSink;
import dev.procmgr.spi.LaunchedProcess;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Past the descriptor budget, processes get no exit gate: the status is then read on the
 * NuProcess thread before NuProcess reaps, and exits stay exact.
 */
class NuProcessWithoutExitGateTest {

    private final NuProcessLauncher launcher = new NuProcessLauncher();
    private long budget;

    @BeforeEach
    void noGates() {
        assertThat(launcher.isAvailable()).isTrue();
        budget = PidfdExitWatcher.shared().orElseThrow().gateFdBudget(0);
    }

    @AfterEach
    void restore() throws InterruptedException {
        PidfdExitWatcher.shared().orElseThrow().gateFdBudget(budget);
        assertNoDescendants();
    }

    @Test
    void exitsAndSignalDeathsStayExactWithoutAGate() throws Exception {
        int exact = 0;
        for (int i = 0; i < 100; i++) {
            CapturingSink out = new CapturingSink();
            LaunchedProcess code = launcher.launch(request(List.of("/bin/sh", "-c", "echo x; exit 9"), out, new CapturingSink(),
                    false, false, i % 2 == 0));
            LaunchedProcess killed = launcher.launch(request(List.of("/bin/sh", "-c", "echo y; kill -9 $$"), new CapturingSink(),
                    new CapturingSink(), false, false, i % 2 == 0));
            assertThat(await(code)).isEqualTo(ExitStatus.exited(9));
            assertThat(out.text()).isEqualTo("x\n");
            if (await(killed).equals(ExitStatus.killed(Signal.KILL))) {
                exact++;
            }
        }
        // only a child that turns zombie between two calls on one thread may read as exit 9
        System.out.printf("without exit gate: %d of 100 signal deaths read exactly%n", exact);
        assertThat(exact).as("signal deaths read exactly, of 100").isGreaterThan(50);
    }
}
