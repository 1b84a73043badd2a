package dev.procmgr.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-operation cost of one process's life: start {@code /bin/true} (output discarded), wait for
 * its exit, let go of it. procmgr: {@code create}, {@code onExit().join()}, {@code stop()} (which
 * releases the tag); raw ProcessBuilder: {@code start}, {@code waitFor}; raw NuProcess (only when
 * asked for: its 250 ms exit poll makes it slow): {@code start}, {@code waitFor}. {@link StopOfExitedBenchmark}
 * times procmgr's {@code stop()} part on its own.
 *
 * <pre>
 *   bin/procmgr-bench jmh CreateStop
 *   java -jar procmgr-bench/target/benchmarks.jar CreateStop -p column=PM_JDK,RAW_PB
 *   ... CreateStop -jvmArgsAppend -Dprocmgr.bench.guardian=true      (procmgr with its guardian process)
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class CreateStopBenchmark {

    /** A {@link Column} name: RAW_PB, RAW_NU (slow: NuProcess's 250 ms exit poll), PM_JDK, PM_NU. */
    @Param({"RAW_PB", "PM_JDK", "PM_NU"})
    public String column;

    /** procmgr newSession / raw setsid prefix. */
    @Param({"true", "false"})
    public boolean session;

    private Driver driver;
    private Launch launch;

    @Setup(Level.Trial)
    public void setUp() {
        driver = Driver.of(Column.valueOf(column));
        launch = Launch.of(Launch.Output.DISCARD, session, Scenarios.TRUE);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        driver.close();
    }

    private final java.util.List<Driver.Handle> unreleased = new java.util.ArrayList<>();

    /** Lets go of what {@link #startWait} kept, outside the timing. */
    @TearDown(Level.Iteration)
    public void releaseKept() throws Exception {
        for (Driver.Handle h : unreleased) {
            h.release();
        }
        unreleased.clear();
    }

    /** start and wait for the exit; the release (procmgr: stop(), which frees the tag) happens after the iteration. */
    @Benchmark
    public void startWait() throws Exception {
        Driver.Handle h = driver.start(launch);
        h.awaitExit();
        unreleased.add(h);
    }

    /** start, wait for the exit, let go: one full cycle. */
    @Benchmark
    public void startWaitRelease() throws Exception {
        Driver.Handle h = driver.start(launch);
        h.awaitExit();
        h.release();
    }
}
