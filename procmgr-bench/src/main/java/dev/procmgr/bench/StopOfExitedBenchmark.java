package dev.procmgr.bench;

import dev.procmgr.api.OutputSpec;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.api.ProcessSpec;
import dev.procmgr.core.ProcessManagers;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 * procmgr's {@code stop()} of a process that has already exited: what it costs to release the
 * tag when there is nothing left to signal (the last step of every start-and-wait cycle). Each
 * invocation gets a fresh exited {@code /bin/true} (set up outside the timing).
 *
 * <pre>
 *   bin/procmgr-bench jmh StopOfExited
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class StopOfExitedBenchmark {

    /** jdk or nuprocess. */
    @Param({"jdk", "nuprocess"})
    public String backend;

    /** newSession. */
    @Param({"true", "false"})
    public boolean session;

    private ProcessManager pm;
    private ProcessSpec spec;
    private final AtomicLong seq = new AtomicLong();
    private ProcessContainer exited;

    @Setup(Level.Trial)
    public void setUp() {
        pm = ProcessManagers.create(backend.equals("jdk") ? new dev.procmgr.jdk.JdkProcessLauncher()
                : new dev.procmgr.nuprocess.NuProcessLauncher(), PmDriver.OPTIONS);
        spec = ProcessSpec.builder(Scenarios.TRUE).output(OutputSpec.discard()).newSession(session).build();
    }

    @Setup(Level.Invocation)
    public void exitedOne() {
        exited = pm.create("x" + seq.incrementAndGet(), spec);
        exited.onExit().join();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pm.close();
    }

    @Benchmark
    public Object stopOfExited() {
        return exited.stop();
    }
}
