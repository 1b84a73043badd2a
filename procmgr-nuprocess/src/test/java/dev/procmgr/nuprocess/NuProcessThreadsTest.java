package dev.procmgr.nuprocess;

import static dev.procmgr.nuprocess.TestSupport.assertNoDescendants;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.api.ProcessSpec;
import dev.procmgr.api.Signal;
import dev.procmgr.core.ManagerOptions;
import dev.procmgr.core.ProcessManagers;
import dev.procmgr.nuprocess.TestSupport.CapturingSink;
import dev.procmgr.spi.LaunchedProcess;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A fixed, small number of threads for 1,000 live processes. */
class NuProcessThreadsTest {

    private static final int PROCESSES = 1000;
    private static final int MAX_THREADS = 16;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

    @AfterEach
    void noLeftovers() throws InterruptedException {
        assertNoDescendants();
    }

    @Test
    void thousandLiveProcessesOnTheLauncherUseAFewThreads() {
        NuProcessLauncher launcher = new NuProcessLauncher();
        assertThat(launcher.isAvailable()).isTrue();
        int before = threads.getThreadCount();
        List<LaunchedProcess> live = new ArrayList<>();
        assertTimeoutPreemptively(Duration.ofMinutes(3), () -> {
            try {
                long t0 = System.nanoTime();
                long t100 = 0;
                for (int i = 0; i < PROCESSES; i++) {
                    if (i == 100) {
                        t100 = System.nanoTime();
                    }
                    if (i == PROCESSES - 100) {
                        System.out.printf("launcher: first 100 launches %.0f ms, next %d %.0f ms%n", (t100 - t0) / 1e6,
                                PROCESSES - 200, (System.nanoTime() - t100) / 1e6);
                        t100 = System.nanoTime();
                    }
                    live.add(launcher.launch(TestSupport.request(List.of("/bin/sleep", "1000"), new CapturingSink(),
                            new CapturingSink(), false, false, true)));
                }
                System.out.printf("launcher: last 100 launches %.0f ms%n", (System.nanoTime() - t100) / 1e6);
                assertThat(live).allMatch(LaunchedProcess::isAlive);
                int during = threads.getThreadCount();
                Map<String, Integer> backend = backendThreads();
                System.out.printf("launcher, %d live processes: %d JVM threads (%d before), backend threads %s%n",
                        PROCESSES, during, before, backend);
                assertThat(during - before).as("threads added for %d processes", PROCESSES).isLessThanOrEqualTo(MAX_THREADS);
                assertThat(backend.values().stream().mapToInt(Integer::intValue).sum()).isLessThanOrEqualTo(MAX_THREADS);
                assertThat(PidfdExitWatcher.shared().orElseThrow().watchedCount()).isGreaterThanOrEqualTo(PROCESSES);

                t0 = System.nanoTime();
                live.forEach(p -> p.signal(Signal.TERM));
                for (LaunchedProcess p : live) {
                    assertThat(p.onExit().get(60, TimeUnit.SECONDS)).isEqualTo(ExitStatus.killed(Signal.TERM));
                }
                System.out.printf("launcher: TERM to %d processes and all exits seen in %.0f ms%n", PROCESSES,
                        (System.nanoTime() - t0) / 1e6);
            } finally {
                live.forEach(p -> p.signal(Signal.KILL));
            }
        });
    }

    @Test
    void thousandLiveProcessesThroughTheManagerUseAFewThreads() {
        int before = threads.getThreadCount();
        ProcessManager pm = ProcessManagers.create(new NuProcessLauncher(),
                ManagerOptions.defaults().withShutdownHook(false).withGuardian(false));
        assertTimeoutPreemptively(Duration.ofMinutes(3), () -> {
            try {
                List<ProcessContainer> live = new ArrayList<>();
                long t0 = System.nanoTime();
                for (int i = 0; i < PROCESSES; i++) {
                    live.add(pm.create("sleep-" + i, ProcessSpec.of("sleep", "1000")));
                }
                System.out.printf("manager: %d creates in %.0f ms%n", PROCESSES, (System.nanoTime() - t0) / 1e6);
                assertThat(live).allMatch(ProcessContainer::isAlive);
                int during = threads.getThreadCount();
                System.out.printf("manager, %d live processes: %d JVM threads (%d before the manager), by name %s%n",
                        PROCESSES, during, before, threadNames());
                assertThat(during - before).as("threads added for %d processes", PROCESSES).isLessThanOrEqualTo(MAX_THREADS);
                t0 = System.nanoTime();
                pm.close();
                System.out.printf("manager: close() (stop-all, TERM-respecting) of %d processes in %.0f ms%n", PROCESSES,
                        (System.nanoTime() - t0) / 1e6);
                assertThat(live).noneMatch(ProcessContainer::isAlive);
            } finally {
                pm.close();
            }
        });
    }

    private Map<String, Integer> backendThreads() {
        Map<String, Integer> counts = new TreeMap<>();
        for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (t == null) {
                continue;
            }
            String n = t.getThreadName();
            if (n.startsWith("NuProcessQueue") || n.equals(PidfdExitWatcher.THREAD_NAME) || n.startsWith("JNA")) {
                counts.merge(n.replaceAll("\\d+$", "N"), 1, Integer::sum);
            }
        }
        return counts;
    }

    private Map<String, Integer> threadNames() {
        Map<String, Integer> counts = new TreeMap<>();
        Arrays.stream(threads.getThreadInfo(threads.getAllThreadIds())).filter(t -> t != null)
                .forEach(t -> counts.merge(t.getThreadName().replaceAll("\\d+", "N"), 1, Integer::sum));
        return counts;
    }
}
