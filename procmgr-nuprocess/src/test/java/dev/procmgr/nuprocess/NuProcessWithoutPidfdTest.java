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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The fallback where there is no pidfd: NuProcess sees the exits, the backend still reads them exactly. */
class NuProcessWithoutPidfdTest {

    private final NuProcessLauncher launcher = new NuProcessLauncher(false);

    @AfterEach
    void noLeftovers() throws InterruptedException {
        assertNoDescendants();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void exitsOutputAndSignalsWithoutPidfd(boolean spawn) throws Exception {
        CapturingSink out = new CapturingSink();
        LaunchedProcess p = launcher.launch(request(List.of("/bin/sh", "-c", "echo out; exit 5"), out, new CapturingSink(),
                false, false, true), spawn);
        assertThat(await(p)).isEqualTo(ExitStatus.exited(5));
        assertThat(out.text()).isEqualTo("out\n");
        assertThat(out.closes.get()).isEqualTo(1);

        LaunchedProcess sleeper = launcher.launch(request(List.of("/bin/sleep", "60"), new CapturingSink(), new CapturingSink(),
                false, false, true), spawn);
        assertThat(sleeper.isAlive()).isTrue();
        sleeper.signal(Signal.TERM);
        ExitStatus s = await(sleeper);
        // read exactly unless the child turned zombie between two calls on the I/O thread
        assertThat(s).isIn(ExitStatus.killed(Signal.TERM), ExitStatus.exited(Signal.TERM.number()));
        assertThat(sleeper.isAlive()).isFalse();
    }

    @Test
    void mostSignalDeathsReadExactlyWithoutPidfd() throws Exception {
        int exact = 0;
        for (int i = 0; i < 50; i++) {
            LaunchedProcess p = launcher.launch(request(List.of("/bin/sh", "-c", "kill -9 $$"), new CapturingSink(),
                    new CapturingSink(), false, false, false));
            if (await(p).equals(ExitStatus.killed(Signal.KILL))) {
                exact++;
            }
        }
        System.out.printf("without pidfd: %d of 50 signal deaths read exactly%n", exact);
        assertThat(exact).as("signal deaths read exactly, of 50").isPositive();
    }
}
