package dev.procmgr.core;

import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.Signal;
import dev.procmgr.spi.LaunchRequest;
import dev.procmgr.spi.LaunchedProcess;
import dev.procmgr.spi.ProcessLauncher;
import dev.procmgr.spi.StreamTarget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A launcher that starts nothing: each launch makes a {@link FakeProcess} the test drives. Its
 * pids lie far above any real pid_max, and {@link #signals()} and {@link #table()} stand in for
 * kill(2) and /proc, so the real {@link TreeStopper} runs its escalation against fakes.
 */
final class FakeLauncher implements ProcessLauncher {
    private final AtomicLong pids = new AtomicLong(90_000_000);
    final List<FakeProcess> launched = Collections.synchronizedList(new ArrayList<>());
    final List<String> signalLog = Collections.synchronizedList(new ArrayList<>());
    /** Decides what a launch does; by default it succeeds. */
    volatile Function<LaunchRequest, IOException> failure = r -> null;
    /** Whether new processes ignore TERM. */
    volatile boolean ignoreTerm;

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public LaunchedProcess launch(LaunchRequest request) throws IOException {
        IOException e = failure.apply(request);
        if (e != null) {
            throw e;
        }
        FakeProcess p = new FakeProcess(pids.incrementAndGet(), request, ignoreTerm);
        launched.add(p);
        return p;
    }

    FakeProcess last() {
        return launched.get(launched.size() - 1);
    }

    /** kill(2) on fakes: delivers to the fake whose pid (or group) is named, and logs it. */
    TreeStopper.Signals signals() {
        return new TreeStopper.Signals() {
            @Override
            public boolean killGroup(long pgid, Signal signal) {
                signalLog.add(signal + " -" + pgid);
                return deliver(pgid, signal);
            }

            @Override
            public boolean killPid(long pid, Signal signal) {
                signalLog.add(signal + " " + pid);
                return deliver(pid, signal);
            }

            @Override
            public boolean groupExists(long pgid) {
                synchronized (launched) {
                    return launched.stream().anyMatch(p -> p.pid() == pgid && p.isAlive());
                }
            }
        };
    }

    private boolean deliver(long pid, Signal signal) {
        synchronized (launched) {
            for (FakeProcess p : launched) {
                if (p.pid() == pid && p.isAlive()) {
                    p.receive(signal);
                    return true;
                }
            }
        }
        return false;
    }

    /** /proc on fakes: one group-leading entry per live fake. */
    ProcTable.Source table() {
        return new ProcTable.Source() {
            @Override
            public ProcTable get() {
                Map<Long, ProcTable.Proc> m = new HashMap<>();
                synchronized (launched) {
                    for (FakeProcess p : launched) {
                        if (p.isAlive()) {
                            m.put(p.pid(), new ProcTable.Proc(p.pid(), 'S', 1, p.sessionLeader() ? p.pid() : 1, p.sessionLeader() ? p.pid() : 1, 1));
                        }
                    }
                }
                return new ProcTable(m);
            }

            @Override
            public ProcTable fresh() {
                return get();
            }
        };
    }

    /** A process that lives until the test (or a signal) ends it. */
    static final class FakeProcess implements LaunchedProcess {
        private final long pid;
        final LaunchRequest request;
        private final boolean ignoreTerm;
        private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();

        FakeProcess(long pid, LaunchRequest request, boolean ignoreTerm) {
            this.pid = pid;
            this.request = request;
            this.ignoreTerm = ignoreTerm;
        }

        /** Writes a line to stdout, then ends the process with this status. */
        void exit(ExitStatus status) {
            sink(request.stdout()).ifPresent(s -> s.close());
            sink(request.stderr()).ifPresent(s -> s.close());
            exit.complete(status);
        }

        void print(String text) {
            sink(request.stdout()).ifPresent(s -> s.write(ByteBuffer.wrap(text.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        }

        private static Optional<dev.procmgr.spi.OutputSink> sink(StreamTarget t) {
            return t instanceof StreamTarget.Pipe p ? Optional.of(p.sink()) : Optional.empty();
        }

        void receive(Signal s) {
            if (s == Signal.KILL || (s == Signal.TERM && !ignoreTerm)) {
                exit(ExitStatus.killed(s));
            }
        }

        @Override
        public long pid() {
            return pid;
        }

        @Override
        public boolean sessionLeader() {
            return request.newSession();
        }

        @Override
        public CompletableFuture<ExitStatus> onExit() {
            return exit;
        }

        @Override
        public boolean isAlive() {
            return !exit.isDone();
        }

        @Override
        public void signal(Signal signal) {
            receive(signal);
        }

        @Override
        public void writeStdin(ByteBuffer bytes) {
        }

        @Override
        public void closeStdin() {
        }
    }
}
