package dev.procmgr.jdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.api.ProcessOutput.Stream;
import dev.procmgr.api.Signal;
import dev.procmgr.core.ManagerOptions;
import dev.procmgr.core.ProcessManagers;
import dev.procmgr.tck.NoLeakedProcesses;
import dev.procmgr.tck.Procs;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Captured output and exits of many live processes cost one watcher thread, not a pump thread per
 * stream; the JDK's reaper thread per live child is the one thread per process left (it comes with
 * {@link ProcessBuilder}).
 */
@ExtendWith(NoLeakedProcesses.class)
class JdkThreadsTest {

    private static final int PROCESSES = 300;
    /** Threads allowed beyond the JDK's reaper per live child: the manager's, the watcher, JNA's. */
    private static final int MAX_OTHER_THREADS = 16;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private ProcessManager pm;

    /** Also after a failure or a timeout; before {@link NoLeakedProcesses} looks. */
    @AfterEach
    void closeManager() {
        if (pm != null) {
            pm.close();
        }
    }

    @Test
    void threeHundredCapturedProcessesShareOneWatcherThread() {
        int before = threads.getThreadCount();
        Map<String, Integer> namesBefore = threadNames();
        pm = ProcessManagers.create(new JdkProcessLauncher(),
                ManagerOptions.defaults().withShutdownHook(false).withGuardian(false));
        assertTimeoutPreemptively(Duration.ofMinutes(3), () -> {
            List<ProcessContainer> live = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < PROCESSES; i++) {
                live.add(pm.create("chatty-" + i, "/bin/sh", "-c",
                        "echo out-$0; echo err-$0 >&2; exec sleep 1000", Integer.toString(i)));
            }
            double startMs = (System.nanoTime() - t0) / 1e6;
            List<CompletableFuture<ExitStatus>> exits = live.stream().map(ProcessContainer::onExit)
                    .collect(Collectors.toList());

            // every line arrives, each on its own stream
            boolean allLines = Procs.await(Duration.ofSeconds(60), () -> live.stream().allMatch(JdkThreadsTest::printed));
            List<String> missing = live.stream().filter(c -> !printed(c))
                    .map(c -> c.tag() + " out=" + c.output().lines(Stream.STDOUT) + " err=" + c.output().lines(Stream.STDERR))
                    .collect(Collectors.toList());
            assertThat(missing).as("processes whose lines did not arrive (await: %s)", allLines).isEmpty();
            assertThat(live).allMatch(ProcessContainer::isAlive);

            int during = threads.getThreadCount();
            Map<String, Integer> names = threadNames();
            int reapers = names.entrySet().stream().filter(e -> e.getKey().startsWith("process reaper"))
                    .mapToInt(Map.Entry::getValue).sum();
            System.out.printf("jdk, %d live captured processes: started in %.0f ms; %d JVM threads (%d before the manager,"
                    + " %d of them process reapers), by name %s (before: %s)%n",
                    PROCESSES, startMs, during, before, reapers, names, namesBefore);
            assertThat(names.keySet()).as("pump threads")
                    .noneMatch(n -> n.startsWith("procmgr-jdk-out-") || n.startsWith("procmgr-jdk-err-"));
            assertThat(names.get(ChildWatcher.THREAD_NAME)).as("watcher threads").isEqualTo(1);
            assertThat(during - before).as("threads added for %d processes (the JDK's reaper per child included)", PROCESSES)
                    .isLessThanOrEqualTo(PROCESSES + MAX_OTHER_THREADS);

            t0 = System.nanoTime();
            pm.close();
            System.out.printf("jdk: close() (stop-all, TERM-respecting) of %d processes in %.0f ms; %d JVM threads after%n",
                    PROCESSES, (System.nanoTime() - t0) / 1e6, threads.getThreadCount());
            assertThat(exits).allMatch(CompletableFuture::isDone);
            Map<ExitStatus, Long> statuses = exits.stream().map(f -> f.getNow(null)).filter(Objects::nonNull)
                    .collect(Collectors.groupingBy(s -> s, Collectors.counting()));
            assertThat(statuses).as("exit statuses").isEqualTo(Map.of(ExitStatus.killed(Signal.TERM), (long) PROCESSES));
            assertThat(live).noneMatch(ProcessContainer::isAlive);
        });
    }

    private static boolean printed(ProcessContainer c) {
        String n = c.tag().substring("chatty-".length());
        return c.output().lines(Stream.STDOUT).equals(List.of("out-" + n))
                && c.output().lines(Stream.STDERR).equals(List.of("err-" + n));
    }

    private Map<String, Integer> threadNames() {
        Map<String, Integer> counts = new TreeMap<>();
        Arrays.stream(threads.getThreadInfo(threads.getAllThreadIds())).filter(Objects::nonNull).map(ThreadInfo::getThreadName)
                .forEach(n -> counts.merge(n.startsWith("procmgr-jdk-") ? n : n.replaceAll("\\d+", "N"), 1, Integer::sum));
        return counts;
    }
}
