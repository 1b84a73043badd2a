package dev.procmgr.bench;

import dev.procmgr.api.OutputSpec;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.api.ProcessSpec;
import dev.procmgr.core.ProcessManagers;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Registry lookups with {@code live} sleeping processes registered (NuProcess backend, so the
 * processes bring no threads): {@code fetch} of a present and of an absent tag, {@code running},
 * {@code isAlive}, {@code info}, {@code list}.
 *
 * <pre>
 *   bin/procmgr-bench jmh Registry
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@Threads(1)
public class RegistryBenchmark {

    @Param({"100"})
    public int live;

    private ProcessManager pm;
    private String[] tags;
    private ProcessContainer one;

    @Setup(Level.Trial)
    public void setUp() {
        pm = ProcessManagers.create(new dev.procmgr.nuprocess.NuProcessLauncher(), PmDriver.OPTIONS);
        ProcessSpec spec = ProcessSpec.builder(Scenarios.SLEEP).args("600").output(OutputSpec.discard()).build();
        tags = new String[live];
        for (int i = 0; i < live; i++) {
            tags[i] = "sleeper-" + i;
            pm.create(tags[i], spec);
        }
        one = pm.fetch(tags[0]).orElseThrow();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pm.close();
    }

    private String anyTag() {
        return tags[ThreadLocalRandom.current().nextInt(tags.length)];
    }

    @Benchmark
    public Optional<ProcessContainer> fetchPresent() {
        return pm.fetch(anyTag());
    }

    @Benchmark
    public Optional<ProcessContainer> fetchAbsent() {
        return pm.fetch("no-such-tag");
    }

    @Benchmark
    public boolean running() {
        return pm.running(anyTag());
    }

    @Benchmark
    public boolean isAlive() {
        return one.isAlive();
    }

    @Benchmark
    public Object info() {
        return one.info();
    }

    @Benchmark
    public List<ProcessContainer> list() {
        return pm.list();
    }
}
