package dev.procmgr.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.api.ProcessOutput;
import dev.procmgr.api.ProcessSpec;
import dev.procmgr.api.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Soak: {@code soak.cycles} (default {@value #DEFAULT_CYCLES}) create/stop cycles on
 * {@value #THREADS} threads, each thread reusing one tag, over four kinds of child in turn:
 * one that exits 0, one that crashes (exit 3, or SIGSEGV by its own hand), one that ignores TERM
 * (stopped with a 30 ms timeout, so KILL ends it) and one that writes 20,000 lines. Every cycle
 * checks the exit status and, for the writer, that the last line arrived. Before (after a warm-up
 * of the same mix) and after: open descriptors, live threads, heap after GC, zombie children and
 * live marked processes; the figures go to stdout as one {@code RELIABILITY soak ...} line.
 */
@Tag("reliability")
public abstract class ReliabilitySoakTest extends AbstractBackendTest {
    static final int DEFAULT_CYCLES = 20_000;
    static final int THREADS = 8;
    static final int WARMUP_CYCLES = 40; // per thread
    /** Tolerances: a few descriptors and threads come and go with pools; heap after GC must not grow. */
    static final int FD_TOLERANCE = 16;
    static final int THREAD_TOLERANCE = 12;
    static final long HEAP_TOLERANCE_MB = 32;
    static final int OUTPUT_LINES = 20_000;
    static final int SCALE_CYCLES = 400;

    private final AtomicInteger[] kinds = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
    private final AtomicLong killedByKill = new AtomicLong();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void createStopCycles() throws Exception {
        int cycles = Integer.getInteger("soak.cycles", DEFAULT_CYCLES);
        String backend = launcher().name();
        String oldCore = ReliabilityFigures.setLogLevel("dev.procmgr", "WARN");
        try {
            ProcessManager pm = newManager();
            runCycles(pm, WARMUP_CYCLES * THREADS);
            assertThat(failures).as("failures during warm-up").isEmpty();
            Procs.await(SOON, () -> ReliabilityFigures.zombieChildren().isEmpty());
            ReliabilityFigures.Snapshot before = ReliabilityFigures.measure();
            for (AtomicInteger k : kinds) {
                k.set(0);
            }
            killedByKill.set(0);

            long t0 = System.nanoTime();
            runCycles(pm, cycles);
            double seconds = (System.nanoTime() - t0) / 1e9;

            // quiescence: exits in flight are reaped, idle pool threads time out
            Procs.await(SOON, () -> ReliabilityFigures.zombieChildren().isEmpty() && Procs.withMarker(marker).isEmpty());
            ReliabilityFigures.Snapshot after = ReliabilityFigures.measure();
            if (after.threads() > before.threads() + THREAD_TOLERANCE || after.fds() > before.fds() + FD_TOLERANCE) {
                Procs.await(Duration.ofSeconds(90), () -> {
                    ReliabilityFigures.Snapshot s = ReliabilityFigures.measure();
                    return s.threads() <= before.threads() + THREAD_TOLERANCE && s.fds() <= before.fds() + FD_TOLERANCE;
                });
                after = ReliabilityFigures.measure();
            }
            int leaked = Procs.withMarker(marker).size();
            List<Long> zombies = ReliabilityFigures.zombieChildren();
            System.out.println(String.format(Locale.ROOT,
                    "RELIABILITY soak backend=%s cycles=%d threads=%d seconds=%.1f rate=%.0f/s fds=%d->%d threads=%d->%d "
                            + "heapMB=%d->%d zombies=%d leaked=%d mix=exit:%d,crash:%d,termIgnoring:%d,output:%d killedByKILL=%d failures=%d",
                    backend, cycles, THREADS, seconds, cycles / seconds, before.fds(), after.fds(), before.threads(),
                    after.threads(), before.heapMB(), after.heapMB(), zombies.size(), leaked, kinds[0].get(),
                    kinds[1].get(), kinds[2].get(), kinds[3].get(), killedByKill.get(), failures.size()));

            assertThat(failures).as("failed cycles (first 20)").isEmpty();
            assertThat(pm.list()).isEmpty();
            assertThat(zombies).as("zombie children of the JVM").isEmpty();
            assertThat(leaked).as("live processes with the test's marker").isZero();
            assertThat(after.fds()).as("open descriptors").isLessThanOrEqualTo(before.fds() + FD_TOLERANCE);
            assertThat(after.threads()).as("live threads").isLessThanOrEqualTo(before.threads() + THREAD_TOLERANCE);
            assertThat(after.heapMB()).as("heap after GC, MB").isLessThanOrEqualTo(before.heapMB() + HEAP_TOLERANCE_MB);
        } finally {
            ReliabilityFigures.setLogLevel("dev.procmgr", oldCore);
        }
    }

    /**
     * The same mix, {@value #SCALE_CYCLES} cycles, before and while 1,000 unrelated processes run
     * on the host: a stop walks {@code /proc}, so its cost grows with the host's process count.
     * Reported (one {@code RELIABILITY scale} line), checked for correctness only.
     */
    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void createStopWithAThousandOtherProcessesOnTheHost() throws Exception {
        String old = ReliabilityFigures.setLogLevel("dev.procmgr", "WARN");
        Process crowd = null;
        try {
            ProcessManager pm = newManager();
            runCycles(pm, WARMUP_CYCLES * THREADS);
            long hostBefore = ProcessHandle.allProcesses().count();
            long t0 = System.nanoTime();
            runCycles(pm, SCALE_CYCLES);
            double quiet = (System.nanoTime() - t0) / 1e9;

            crowd = new ProcessBuilder("/bin/sh", "-c", "i=0; while [ $i -lt 1000 ]; do sleep 600 & i=$((i+1)); done; wait",
                    marker + "-crowd").redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            Process c = crowd;
            assertThat(Procs.await(Duration.ofSeconds(60), () -> c.children().count() >= 1000)).as("crowd up").isTrue();
            long hostCrowded = ProcessHandle.allProcesses().count();
            long t1 = System.nanoTime();
            runCycles(pm, SCALE_CYCLES);
            double crowded = (System.nanoTime() - t1) / 1e9;
            System.out.println(String.format(Locale.ROOT,
                    "RELIABILITY scale backend=%s cycles=%d threads=%d hostProcesses=%d->%d seconds=%.1f->%.1f rate=%.0f/s->%.0f/s failures=%d",
                    launcher().name(), SCALE_CYCLES, THREADS, hostBefore, hostCrowded, quiet, crowded, SCALE_CYCLES / quiet,
                    SCALE_CYCLES / crowded, failures.size()));
            assertThat(failures).as("failed cycles (first 20)").isEmpty();
            assertThat(pm.list()).isEmpty();
        } finally {
            if (crowd != null) {
                crowd.descendants().forEach(ProcessHandle::destroyForcibly);
                crowd.destroyForcibly();
                crowd.waitFor(30, TimeUnit.SECONDS);
                Process c = crowd;
                Procs.await(Duration.ofSeconds(30), () -> c.descendants().findAny().isEmpty());
            }
            ReliabilityFigures.setLogLevel("dev.procmgr", old);
        }
    }

    private void runCycles(ProcessManager pm, int cycles) throws Exception {
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                String tag = "soak-" + t;
                fs.add(pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < cycles) {
                        try {
                            cycle(pm, tag, i);
                        } catch (Throwable e) {
                            if (failures.size() < 20) {
                                failures.add(tag + " cycle " + i + ": " + e);
                            }
                            pm.fetch(tag).ifPresent(c -> c.stop(Duration.ZERO));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(1, TimeUnit.MINUTES);
        }
    }

    private void cycle(ProcessManager pm, String tag, int i) {
        int kind = i % 4;
        kinds[kind].incrementAndGet();
        switch (kind) {
            case 0 -> {
                ProcessContainer c = pm.create(tag, ProcessSpec.builder("/bin/sh").args("-c", "exit 0", marker).build());
                check(tag, c.onExit().join(), ExitStatus.exited(0));
                check(tag, c.stop(), ExitStatus.exited(0));
            }
            case 1 -> {
                boolean segv = (i / 4) % 2 == 0;
                ProcessContainer c = pm.create(tag, ProcessSpec.builder("/bin/sh")
                        .args("-c", segv ? "kill -SEGV $$" : "exit 3", marker).build());
                ExitStatus expected = segv ? ExitStatus.killed(11) : ExitStatus.exited(3);
                check(tag, c.onExit().join(), expected);
                if (!pm.running(tag) || c.isAlive()) {
                    throw new AssertionError(tag + ": a crashed process must keep its tag and be dead");
                }
                check(tag, c.stop(), expected);
            }
            case 2 -> {
                ProcessContainer c = pm.create(tag, ProcessSpec.builder("/bin/sh")
                        .args("-c", "trap '' TERM; echo ready; while :; do sleep 1; done", marker)
                        .stopTimeout(Duration.ofMillis(30)).build());
                if (!Procs.await(SOON, () -> c.output().lines(ProcessOutput.Stream.STDOUT, 1).contains("ready"))) {
                    throw new AssertionError(tag + ": TERM-ignoring child never said ready");
                }
                check(tag, c.stop(), ExitStatus.killed(Signal.KILL));
                killedByKill.incrementAndGet();
            }
            default -> {
                ProcessContainer c = pm.create(tag, ProcessSpec.builder("/bin/sh")
                        .args("-c", "seq 1 " + OUTPUT_LINES + "; echo done >&2", marker).build());
                check(tag, c.onExit().join(), ExitStatus.exited(0));
                List<String> last = c.output().lines(ProcessOutput.Stream.STDOUT, 1);
                if (!last.equals(List.of(Integer.toString(OUTPUT_LINES)))
                        || !c.output().lines(ProcessOutput.Stream.STDERR).equals(List.of("done"))) {
                    throw new AssertionError(tag + ": last output line lost: stdout " + last + ", stderr "
                            + c.output().lines(ProcessOutput.Stream.STDERR));
                }
                check(tag, c.stop(), ExitStatus.exited(0));
            }
        }
        if (pm.running(tag)) {
            throw new AssertionError(tag + ": still registered after stop()");
        }
    }

    private static void check(String tag, ExitStatus actual, ExitStatus expected) {
        if (!expected.equals(actual)) {
            throw new AssertionError(tag + ": expected " + expected + ", got " + actual);
        }
    }
}
