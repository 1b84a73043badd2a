package dev.procmgr.bench;

import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.OutputSpec;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.api.ProcessOutput;
import dev.procmgr.api.ProcessSpec;
import dev.procmgr.core.ManagerOptions;
import dev.procmgr.core.ProcessManagers;
import dev.procmgr.spi.ProcessLauncher;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * procmgr through its public API on one backend: one spec per kind of launch, a fresh tag per
 * process, {@code onExit()}, {@code stop()} to release the tag, {@code close()} to stop all.
 */
final class PmDriver extends Driver {
    /**
     * Manager options: no shutdown hook (the benchmark closes its managers itself) and no guardian
     * process, so that procmgr does the same work as the raw libraries, which have neither;
     * {@code -Dprocmgr.bench.guardian=true} measures with the guardian (one helper process per
     * manager that is told of every launch and release through a pipe).
     */
    static final ManagerOptions OPTIONS = ManagerOptions.defaults().withShutdownHook(false)
            .withGuardian(Boolean.parseBoolean(System.getProperty("procmgr.bench.guardian", "false")));

    private final ProcessLauncher launcher;
    private final AtomicLong seq = new AtomicLong();
    private final Map<Launch, ProcessSpec> specs = new ConcurrentHashMap<>();
    private volatile ProcessManager pm;
    private volatile boolean closed;

    PmDriver(ProcessLauncher launcher) {
        this.launcher = launcher;
    }

    private ProcessManager pm() {
        ProcessManager m = pm;
        if (m == null) {
            synchronized (this) {
                m = pm;
                if (closed) {
                    throw new IllegalStateException("driver closed");
                }
                if (m == null) {
                    m = ProcessManagers.create(launcher, OPTIONS);
                    pm = m;
                }
            }
        }
        return m;
    }

    private static ProcessSpec specOf(Launch l) {
        ProcessSpec.Builder b = ProcessSpec.builder(l.argv().get(0)).args(l.argv().subList(1, l.argv().size()))
                .newSession(l.session());
        switch (l.output()) {
            case DISCARD -> b.output(OutputSpec.discard());
            case DEFAULT, READY -> {
            }
            case CAPTURE -> b.stdout(OutputSpec.capture()).stderr(OutputSpec.discard());
            case FILE_ROTATING -> b.stdout(OutputSpec.file(l.file().orElseThrow())).stderr(OutputSpec.discard());
            case FILE_APPEND -> b.stdout(OutputSpec.file(l.file().orElseThrow(), 0, 0)).stderr(OutputSpec.discard());
        }
        return b.build();
    }

    @Override
    Handle start(Launch l) {
        ProcessSpec spec = specs.computeIfAbsent(l, PmDriver::specOf);
        ProcessContainer c = pm().create("b" + seq.incrementAndGet(), spec);
        CompletableFuture<Long> seen = l.stampExit() ? c.onExit().thenApply(x -> System.nanoTime()) : null;
        return new PmHandle(c, seen);
    }

    /** {@link ProcessManager#close()}: every process gets its stop signal at once. */
    @Override
    void stopAll(List<Handle> handles) {
        ProcessManager m;
        synchronized (this) {
            m = pm;
            pm = null;
        }
        if (m != null) {
            m.close();
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        stopAll(List.of());
    }

    private static final class PmHandle implements Handle {
        final ProcessContainer c;
        final CompletableFuture<Long> seen;

        PmHandle(ProcessContainer c, CompletableFuture<Long> seen) {
            this.c = c;
            this.seen = seen;
        }

        @Override
        public void awaitExit() {
            c.onExit().join();
        }

        @Override
        public int exitCode() {
            ExitStatus st = c.onExit().join();
            return st.shellCode();
        }

        @Override
        public long exitSeenNanos() {
            return seen.join();
        }

        @Override
        public void awaitReady() throws IOException, InterruptedException {
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (c.output().lines(ProcessOutput.Stream.STDOUT, 1).isEmpty()) {
                if (System.nanoTime() > until) {
                    throw new IOException("no ready line from " + c.tag());
                }
                Thread.sleep(1);
            }
        }

        @Override
        public long stopEscalating(Duration timeout) {
            long t0 = System.nanoTime();
            c.stop(timeout);
            return System.nanoTime() - t0;
        }

        @Override
        public void release() {
            c.stop();
        }

        @Override
        public long bytes() {
            return -1;
        }

        @Override
        public boolean isAlive() {
            return c.isAlive();
        }

        @Override
        public long pid() {
            return c.pid();
        }
    }
}
