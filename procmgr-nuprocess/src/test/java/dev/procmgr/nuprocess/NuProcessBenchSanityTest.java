package dev.procmgr.nuprocess;

import static dev.procmgr.nuprocess.TestSupport.assertNoDescendants;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.zaxxer.nuprocess.NuAbstractProcessHandler;
import com.zaxxer.nuprocess.NuProcess;
import com.zaxxer.nuprocess.NuProcessBuilder;
import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.Signal;
import dev.procmgr.nuprocess.TestSupport.CapturingSink;
import dev.procmgr.spi.LaunchedProcess;
import dev.procmgr.spi.SessionSupport;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A bench-like sanity print, not a timed assertion: sequential start-and-wait of /bin/true on
 * this backend against raw ProcessBuilder in the same run, and how soon an exit is seen. The
 * procmgr-bench module has the real benchmark.
 */
class NuProcessBenchSanityTest {

    private static final int RUNS = Integer.getInteger("nuprocess.bench.runs", 300);
    private static final int RAW_NUPROCESS_RUNS = 20;

    @AfterEach
    void noLeftovers() throws InterruptedException {
        assertNoDescendants();
    }

    @Test
    void sequentialStartAndWaitAgainstProcessBuilder() {
        assertTimeoutPreemptively(Duration.ofMinutes(5), () -> {
            NuProcessLauncher launcher = new NuProcessLauncher();
            assertThat(launcher.usesPosixSpawn()).isTrue();
            List<String> trueCmd = List.of("/bin/true");
            List<String> setsidTrue = SessionSupport.withSetsid(trueCmd);
            // warm up both
            rawProcessBuilder(trueCmd, 50);
            nuprocess(launcher, false, false, 50);
            nuprocess(launcher, true, false, 50);

            double pb = rawProcessBuilder(trueCmd, RUNS);
            double nu = nuprocess(launcher, false, false, RUNS);
            double spawn = nuprocess(launcher, true, false, RUNS);
            double pbSetsid = rawProcessBuilder(setsidTrue, RUNS);
            double nuSession = nuprocess(launcher, false, true, RUNS);
            double spawnSession = nuprocess(launcher, true, true, RUNS);
            double rawNu = rawNuProcess(RAW_NUPROCESS_RUNS);
            System.out.printf("sequential start-and-wait of /bin/true, %d runs each:%n", RUNS);
            System.out.printf("  raw ProcessBuilder          %7.0f/s%n", pb);
            System.out.printf("  raw ProcessBuilder + setsid %7.0f/s%n", pbSetsid);
            System.out.printf("  raw NuProcess (%d runs)     %7.0f/s%n", RAW_NUPROCESS_RUNS, rawNu);
            System.out.printf("  backend, NuProcess launch            %7.0f/s (%.2fx raw ProcessBuilder)%n", nu, nu / pb);
            System.out.printf("  backend, posix_spawn                 %7.0f/s (%.2fx raw ProcessBuilder)%n", spawn, spawn / pb);
            System.out.printf("  backend, NuProcess launch + setsid   %7.0f/s (%.2fx raw ProcessBuilder + setsid, %.2fx raw)%n",
                    nuSession, nuSession / pbSetsid, nuSession / pb);
            System.out.printf("  backend, posix_spawn + SETSID        %7.0f/s (%.2fx raw ProcessBuilder + setsid, %.2fx raw)%n",
                    spawnSession, spawnSession / pbSetsid, spawnSession / pb);
        });
    }

    @Test
    void exitSeenLatencyAfterKill() {
        assertTimeoutPreemptively(Duration.ofMinutes(5), () -> {
            NuProcessLauncher launcher = new NuProcessLauncher();
            long[] nanos = new long[RUNS];
            for (int i = 0; i < RUNS; i++) {
                LaunchedProcess p = launcher.launch(TestSupport.request(List.of("/bin/sleep", "100"), new CapturingSink(),
                        new CapturingSink(), false, false, false));
                long t0 = System.nanoTime();
                p.signal(Signal.KILL);
                ExitStatus s = p.onExit().get(20, TimeUnit.SECONDS);
                nanos[i] = System.nanoTime() - t0;
                assertThat(s).isEqualTo(ExitStatus.killed(Signal.KILL));
            }
            Arrays.sort(nanos);
            System.out.printf("exit seen after SIGKILL (kill() to onExit() complete, %d runs): p50 %.2f ms, p99 %.2f ms,"
                    + " max %.2f ms%n", RUNS, nanos[RUNS / 2] / 1e6, nanos[(int) (RUNS * 0.99)] / 1e6, nanos[RUNS - 1] / 1e6);
        });
    }

    private static double rawProcessBuilder(List<String> cmd, int runs) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        long t0 = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            Process p = pb.start();
            p.getOutputStream().close();
            p.waitFor();
        }
        return runs / ((System.nanoTime() - t0) / 1e9);
    }

    private static double nuprocess(NuProcessLauncher launcher, boolean spawn, boolean session, int runs) throws Exception {
        long t0 = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            LaunchedProcess p = launcher.launch(TestSupport.request(List.of("/bin/true"), new CapturingSink(),
                    new CapturingSink(), false, false, session), spawn);
            assertThat(p.onExit().get(20, TimeUnit.SECONDS).success()).isTrue();
        }
        return runs / ((System.nanoTime() - t0) / 1e9);
    }

    private static double rawNuProcess(int runs) throws Exception {
        long t0 = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            NuProcessBuilder b = new NuProcessBuilder(List.of("/bin/true"));
            b.setProcessListener(new NuAbstractProcessHandler() {
            });
            NuProcess p = b.start();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isZero();
        }
        return runs / ((System.nanoTime() - t0) / 1e9);
    }
}
