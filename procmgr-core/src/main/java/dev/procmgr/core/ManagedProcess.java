package dev.procmgr.core;

import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.OutputSpec;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessInfo;
import dev.procmgr.api.ProcessOutput;
import dev.procmgr.api.ProcessSpec;
import dev.procmgr.api.ProcessStartException;
import dev.procmgr.api.ProcessState;
import dev.procmgr.api.RestartPolicy;
import dev.procmgr.api.Signal;
import dev.procmgr.api.StdinSpec;
import dev.procmgr.spi.LaunchRequest;
import dev.procmgr.spi.LaunchedProcess;
import dev.procmgr.spi.ProcessLauncher;
import dev.procmgr.spi.StdinSource;
import dev.procmgr.spi.StreamTarget;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One tagged process: its state machine, its runs (one OS process each), supervision by the
 * restart policy, stop escalation through {@link TreeStopper}, and its output channels, which
 * outlive single runs. All state is guarded by {@link #lock}; nothing blocking runs under it
 * except the launch itself, which the OS finishes in about a millisecond.
 */
final class ManagedProcess implements ProcessContainer {
    private static final Logger LOG = LoggerFactory.getLogger(ManagedProcess.class);
    static final String MDC_TAG = "procmgr.tag";
    /** The JVM's environment, which never changes while it runs. */
    private static final Map<String, String> HOST_ENV = Map.copyOf(System.getenv());

    /** What a process needs from its manager. */
    record Context(ProcessLauncher launcher, Scheduler scheduler, DeadlineQueue promotions, TreeStopper stopper,
                   LaunchTracker tracker, EventDispatcher events, Consumer<ManagedProcess> onRelease, Duration drainGrace,
                   NoticeOnce notices, java.util.concurrent.Executor callbacks) {
    }

    private final String tag;
    private final ProcessSpec spec;
    private final Context ctx;
    private final Followers followers;
    private final StreamChannel out;
    private final StreamChannel err;
    private final CapturedOutput output;
    private final Object lock = new Object();

    // guarded by lock
    private ProcessState state = ProcessState.STOPPED;
    private Run run;
    private ExitStatus lastExit;
    private int restarts;
    private int consecutiveFailures;
    private Instant nextRestart;
    private Scheduler.Cancellable pendingRestart;
    private CompletableFuture<ExitStatus> stopping;
    private boolean releaseRequested;
    private boolean released;
    private boolean restarting;

    private ManagedProcess(String tag, ProcessSpec spec, Context ctx) throws IOException {
        this.tag = tag;
        this.spec = spec;
        this.ctx = ctx;
        this.followers = new Followers(tag);
        this.out = new StreamChannel(tag, ProcessOutput.Stream.STDOUT, spec.stdout(), followers);
        this.err = new StreamChannel(tag, ProcessOutput.Stream.STDERR, spec.mergeStderr() ? OutputSpec.discard() : spec.stderr(), followers);
        this.output = new CapturedOutput(out, err, followers);
    }

    /**
     * Creates the container and starts its first run.
     *
     * @throws ProcessStartException when it cannot start (nothing is left behind)
     */
    static ManagedProcess start(String tag, ProcessSpec spec, Context ctx) {
        ManagedProcess p;
        try {
            p = new ManagedProcess(tag, spec, ctx);
        } catch (IOException e) {
            throw new ProcessStartException(tag, spec.command(), "cannot open output: " + e.getMessage(), e);
        }
        synchronized (p.lock) {
            ProcessInfo from = p.infoLocked();
            Run r;
            try {
                r = p.launchRunLocked();
            } catch (ProcessStartException e) {
                p.out.close();
                p.err.close();
                throw e;
            }
            p.run = r;
            p.state = ProcessState.STARTING;
            p.fireLocked(from);
            p.watchLocked(r);
        }
        return p;
    }

    // ---------------------------------------------------------------- runs

    /** One OS process of this container. */
    private final class Run {
        final LaunchedProcess proc;
        final long pid;
        final boolean groupLeader;
        final Instant startedAt;
        final long startNanos;
        final CompletableFuture<Void> drained;
        /** Completes after the exit was handled (state updated) and all output delivered. */
        final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
        boolean stopRequested; // guarded by lock
        Scheduler.Cancellable promotion; // guarded by lock

        Run(LaunchedProcess proc, Instant startedAt, long startNanos, CompletableFuture<Void> drained) {
            this.proc = proc;
            this.pid = proc.pid();
            this.groupLeader = proc.sessionLeader();
            this.startedAt = startedAt;
            this.startNanos = startNanos;
            this.drained = drained;
        }

        TreeStopper.Target target() {
            return new TreeStopper.Target(tag, proc, groupLeader, proc.onExit());
        }
    }

    private Run launchRunLocked() {
        List<String> given = spec.command();
        Path dir = spec.directory().map(d -> d.toAbsolutePath().normalize()).orElse(Path.of("").toAbsolutePath());
        Map<String, String> env;
        if (spec.inheritEnv() && spec.env().isEmpty()) {
            env = HOST_ENV; // the common case: no copy per launch
        } else {
            env = new HashMap<>();
            if (spec.inheritEnv()) {
                env.putAll(System.getenv());
            }
            env.putAll(spec.env());
        }
        Path exe;
        try {
            ExecutableResolver.checkDirectory(dir);
            exe = ExecutableResolver.resolve(spec.executable(), dir, env);
        } catch (ExecutableResolver.Unusable e) {
            throw new ProcessStartException(tag, given, e.getMessage(), null);
        }
        List<String> argv = new ArrayList<>(given.size());
        argv.add(exe.toString());
        argv.addAll(spec.args());

        boolean redirects = ctx.launcher().supportsRedirects();
        List<CompletableFuture<Void>> sinks = new ArrayList<>(2);
        StreamTarget stdout = target(spec.stdout(), out, redirects, sinks);
        StreamTarget stderr = spec.mergeStderr() ? new StreamTarget.Discard() : target(spec.stderr(), err, redirects, sinks);
        StdinSource stdin = stdinSource(redirects, given);
        LaunchRequest request = new LaunchRequest(argv, env, dir, stdin, stdout, stderr, spec.mergeStderr(), spec.newSession());

        long t0 = ctx.scheduler().nanoTime();
        Instant startedAt = ctx.scheduler().now();
        LaunchedProcess proc;
        try {
            proc = ctx.launcher().launch(request);
        } catch (IOException e) {
            throw new ProcessStartException(tag, given, osCause(e), e);
        } catch (RuntimeException e) {
            throw new ProcessStartException(tag, given, String.valueOf(e.getMessage()), e);
        }
        Run r = new Run(proc, startedAt, t0, CompletableFuture.allOf(sinks.toArray(CompletableFuture[]::new)));
        if (spec.newSession() && !r.groupLeader) {
            ctx.notices().warn("no-session", "processes do not get a session of their own here (no setsid); "
                    + "stop signals their descendants one by one");
        }
        ctx.tracker().launched(tag, r.pid, r.groupLeader, argv);
        feedStdin(r);
        try (MDC.MDCCloseable c = MDC.putCloseable(MDC_TAG, tag)) {
            LOG.info("started '{}' pid {}: {}", tag, r.pid, given);
        }
        return r;
    }

    /**
     * Starts watching a run that is already the current one, in state STARTING, with its event
     * fired: an exit that happened during the launch is handled here, inline, like any other.
     */
    private void watchLocked(Run r) {
        r.proc.onExit().whenComplete((status, failure) -> onRawExit(r, status, failure));
        if (!spec.startSeconds().isZero()) {
            r.promotion = ctx.promotions().schedule(() -> promote(r), spec.startSeconds());
        }
    }

    private static StreamTarget target(OutputSpec spec, StreamChannel channel, boolean redirects,
                                       List<CompletableFuture<Void>> sinks) {
        List<OutputSpec.Target> ts = spec.targets();
        if (ts.isEmpty()) {
            return new StreamTarget.Discard(); // every backend can drop bytes without the core
        }
        if (redirects) {
            if (ts.size() == 1 && ts.get(0) instanceof OutputSpec.Inherit) {
                return new StreamTarget.Inherit();
            }
            if (ts.size() == 1 && ts.get(0) instanceof OutputSpec.File f && f.maxBytes() == 0) {
                return new StreamTarget.AppendFile(f.path()); // the kernel appends; no thread
            }
        }
        StreamChannel.RunSink sink = channel.openRunSink();
        sinks.add(sink.closed());
        return new StreamTarget.Pipe(sink);
    }

    private StdinSource stdinSource(boolean redirects, List<String> given) {
        StdinSpec s = spec.stdin();
        if (s instanceof StdinSpec.Null) {
            return new StdinSource.Null();
        }
        if (s instanceof StdinSpec.Inherit) {
            if (!redirects) {
                throw new ProcessStartException(tag, given, "backend " + ctx.launcher().name() + " cannot pass the host's stdin", null);
            }
            return new StdinSource.Inherit();
        }
        if (s instanceof StdinSpec.FromFile f) {
            if (!Files.isReadable(f.path())) {
                throw new ProcessStartException(tag, given, "stdin file " + f.path() + " is not readable", null);
            }
            return redirects ? new StdinSource.FromFile(f.path()) : new StdinSource.Pipe();
        }
        return new StdinSource.Pipe();
    }

    /** Writes {@link StdinSpec.Bytes} or an emulated stdin file, off the caller's thread. */
    private void feedStdin(Run r) {
        byte[] data;
        StdinSpec s = spec.stdin();
        if (s instanceof StdinSpec.Bytes b) {
            data = b.bytes();
        } else if (s instanceof StdinSpec.FromFile f && !ctx.launcher().supportsRedirects()) {
            try {
                data = Files.readAllBytes(f.path());
            } catch (IOException e) {
                LOG.warn("cannot read stdin file {} for '{}'; the child sees end of file", f.path(), tag, e);
                data = new byte[0];
            }
        } else {
            return;
        }
        byte[] bytes = data;
        Thread t = new Thread(() -> {
            try {
                r.proc.writeStdin(ByteBuffer.wrap(bytes));
            } catch (IOException e) {
                LOG.debug("stdin of '{}' closed before all bytes were written", tag, e);
            } finally {
                r.proc.closeStdin();
            }
        }, "procmgr-stdin-" + tag);
        t.setDaemon(true);
        t.start();
    }

    private static String osCause(IOException e) {
        String m = String.valueOf(e.getMessage());
        int i = m.indexOf("error=");
        return i >= 0 ? m.substring(i) : m;
    }

    private void promote(Run r) {
        synchronized (lock) {
            if (run == r && state == ProcessState.STARTING && !r.exit.isDone() && r.proc.isAlive()) {
                ProcessInfo from = infoLocked();
                state = ProcessState.RUNNING;
                fireLocked(from);
            }
        }
    }

    // ---------------------------------------------------------------- exits and supervision

    private void onRawExit(Run r, ExitStatus status, Throwable failure) {
        ExitStatus st = status;
        if (failure != null || st == null) {
            LOG.error("backend lost the exit of '{}' pid {}; reporting it as killed", tag, r.pid, failure);
            st = ExitStatus.killed(Signal.KILL);
        }
        ExitStatus fin = st;
        // every byte written before the exit is delivered before onExit() completes; a grandchild
        // that holds the pipe open cannot delay the exit beyond the grace period
        r.drained.completeOnTimeout(null, ctx.drainGrace().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((v, e) -> afterExit(r, fin));
    }

    private void afterExit(Run r, ExitStatus status) {
        handleExit(r, status);
        // completed after the lock is released: a caller woken from onExit().join() usually calls
        // stop() next, which would otherwise block on the lock this thread still holds
        r.exit.complete(status);
    }

    /** The state change for an exit, before anyone waiting for it is told. */
    private void handleExit(Run r, ExitStatus status) {
        synchronized (lock) {
            if (r.promotion != null) {
                r.promotion.cancel(); // a short run leaves no timer task behind
            }
            if (run != r || r.stopRequested) {
                lastExit = run == r ? status : lastExit;
                return;
            }
            ProcessInfo from = infoLocked();
            lastExit = status;
            RestartPolicy policy = spec.restartPolicy();
            long upNanos = ctx.scheduler().nanoTime() - r.startNanos;
            boolean failedStart = upNanos < spec.startSeconds().toNanos();
            boolean failure = failedStart || !status.success();
            if (upNanos >= policy.resetAfter().toNanos()) {
                consecutiveFailures = 0;
            }
            consecutiveFailures = failure ? consecutiveFailures + 1 : 0;
            boolean wanted = policy.mode() == RestartPolicy.Mode.ALWAYS
                    || (policy.mode() == RestartPolicy.Mode.ON_FAILURE && failure);
            Duration delay = null;
            if (!wanted) {
                state = ProcessState.EXITED;
            } else if (consecutiveFailures > policy.maxRestarts()) {
                state = ProcessState.FATAL;
            } else {
                delay = backoff(policy);
                scheduleRestartLocked(r, delay);
            }
            try (MDC.MDCCloseable c = MDC.putCloseable(MDC_TAG, tag)) {
                LOG.info("'{}' pid {} exited ({}{}) after {} ms -> {}{}", tag, r.pid, status,
                        failedStart ? ", before startSeconds" : "", upNanos / 1_000_000, state,
                        delay == null ? "" : ", restart in " + delay.toMillis() + " ms");
            }
            fireLocked(from);
        }
    }

    private Duration backoff(RestartPolicy p) {
        int k = Math.max(1, consecutiveFailures);
        double base = p.initialBackoff().toNanos() * Math.pow(2, Math.min(k - 1, 40));
        base = Math.min(base, p.maxBackoff().toNanos());
        double spread = p.jitter() * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        return Duration.ofNanos((long) Math.max(0, Math.min(p.maxBackoff().toNanos(), base * (1 + spread))));
    }

    private void scheduleRestartLocked(Run previous, Duration delay) {
        state = ProcessState.BACKOFF;
        nextRestart = ctx.scheduler().now().plus(delay);
        pendingRestart = ctx.scheduler().schedule(() -> restartFromBackoff(previous), delay);
    }

    private void restartFromBackoff(Run previous) {
        synchronized (lock) {
            if (run != previous || state != ProcessState.BACKOFF || stopping != null) {
                return;
            }
            ProcessInfo from = infoLocked();
            pendingRestart = null;
            nextRestart = null;
            cleanUpLeftovers(previous);
            try {
                Run r = launchRunLocked();
                run = r;
                restarts++;
                state = ProcessState.STARTING;
                fireLocked(from);
                watchLocked(r);
                return;
            } catch (ProcessStartException e) {
                consecutiveFailures++;
                if (consecutiveFailures > spec.restartPolicy().maxRestarts()) {
                    state = ProcessState.FATAL;
                    LOG.error("'{}' cannot be restarted and has no restarts left -> FATAL: {}", tag, e.getMessage());
                } else {
                    Duration delay = backoff(spec.restartPolicy());
                    LOG.warn("'{}' cannot be restarted, next try in {} ms: {}", tag, delay.toMillis(), e.getMessage());
                    scheduleRestartLocked(previous, delay);
                }
            }
            fireLocked(from);
        }
    }

    /** Kills what a run that exited on its own left in its group, then forgets its pid. */
    private void cleanUpLeftovers(Run old) {
        ctx.stopper().stop(old.target(), Signal.KILL, Duration.ZERO)
                .whenComplete((v, e) -> ctx.tracker().released(old.pid));
    }

    // ---------------------------------------------------------------- stop and restart

    @Override
    public ExitStatus stop() {
        return stop(spec.stopTimeout());
    }

    @Override
    public ExitStatus stop(Duration timeout) {
        return await(stopAsync(timeout));
    }

    /** Starts stopping and releasing the tag; the future completes when both are done. */
    CompletableFuture<ExitStatus> stopAsync(Duration timeout) {
        requireNotNegative(timeout);
        synchronized (lock) {
            releaseRequested = true;
            if (stopping != null) {
                if (stopping.isDone() && !restarting) {
                    releaseLocked();
                }
                return stopping;
            }
        }
        return beginStop(timeout);
    }

    private CompletableFuture<ExitStatus> beginStop(Duration timeout) {
        Run r;
        CompletableFuture<ExitStatus> result = new CompletableFuture<>();
        synchronized (lock) {
            if (stopping != null) {
                return stopping;
            }
            stopping = result;
            if (pendingRestart != null) {
                pendingRestart.cancel();
                pendingRestart = null;
            }
            nextRestart = null;
            r = run;
            r.stopRequested = true;
            ProcessInfo from = infoLocked();
            state = ProcessState.STOPPING;
            fireLocked(from);
            try (MDC.MDCCloseable c = MDC.putCloseable(MDC_TAG, tag)) {
                LOG.info("stopping '{}' pid {}: {} to its tree, KILL after {} ms", tag, r.pid, spec.stopSignal(), timeout.toMillis());
            }
        }
        ctx.stopper().stop(r.target(), spec.stopSignal(), timeout)
                .thenCompose(v -> r.exit.completeOnTimeout(null, TreeStopper.KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .whenComplete((st, e) -> finishStop(r, result));
        return result;
    }

    private void finishStop(Run r, CompletableFuture<ExitStatus> result) {
        ExitStatus st;
        synchronized (lock) {
            ProcessInfo from = infoLocked();
            state = ProcessState.STOPPED;
            if (r.exit.isDone() && !r.exit.isCompletedExceptionally() && r.exit.join() != null) {
                lastExit = r.exit.join();
            }
            if (lastExit == null) {
                lastExit = ExitStatus.killed(Signal.KILL); // the backend never reported the exit
            }
            st = lastExit;
            fireLocked(from);
            if (releaseRequested && !restarting) {
                releaseLocked();
            }
        }
        ctx.tracker().released(r.pid);
        try (MDC.MDCCloseable c = MDC.putCloseable(MDC_TAG, tag)) {
            LOG.info("stopped '{}' pid {} ({})", tag, r.pid, st);
        }
        result.complete(st);
    }

    private void releaseLocked() {
        if (!released) {
            released = true;
            ctx.onRelease().accept(this);
        }
    }

    @Override
    public void restart() {
        synchronized (lock) {
            if (releaseRequested) {
                throw new IllegalStateException("process '" + tag + "' was stopped and its tag released; create it again");
            }
            if (restarting) {
                throw new IllegalStateException("process '" + tag + "' is already restarting");
            }
            restarting = true;
        }
        try {
            await(beginStop(spec.stopTimeout()));
        } finally {
            synchronized (lock) {
                restarting = false;
            }
        }
        synchronized (lock) {
            if (releaseRequested) {
                releaseLocked(); // a stop() came in while we were stopping: it wins
                throw new IllegalStateException("process '" + tag + "' was stopped during restart()");
            }
            ProcessInfo from = infoLocked();
            stopping = null;
            Run r;
            try {
                r = launchRunLocked();
            } catch (ProcessStartException e) {
                state = ProcessState.EXITED;
                fireLocked(from);
                throw e;
            }
            run = r;
            restarts++;
            consecutiveFailures = 0;
            state = ProcessState.STARTING;
            fireLocked(from);
            watchLocked(r);
        }
    }

    private static ExitStatus await(CompletableFuture<ExitStatus> f) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true; // finish the stop: leaving a half-stopped tree is worse
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new CompletionException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void requireNotNegative(Duration timeout) {
        if (timeout == null || timeout.isNegative()) {
            throw new IllegalArgumentException("stop timeout must be zero or positive: " + timeout);
        }
    }

    // ---------------------------------------------------------------- queries

    @Override
    public String tag() {
        return tag;
    }

    @Override
    public ProcessSpec spec() {
        return spec;
    }

    @Override
    public long pid() {
        synchronized (lock) {
            return run.pid;
        }
    }

    @Override
    public boolean isAlive() {
        Run r;
        synchronized (lock) {
            r = run;
        }
        return r != null && r.proc.isAlive();
    }

    @Override
    public ProcessState state() {
        synchronized (lock) {
            return state;
        }
    }

    @Override
    public Optional<ExitStatus> exitStatus() {
        synchronized (lock) {
            return Optional.ofNullable(lastExit);
        }
    }

    @Override
    public CompletableFuture<ExitStatus> onExit() {
        CompletableFuture<ExitStatus> exit;
        synchronized (lock) {
            exit = run.exit;
        }
        if (exit.isDone()) {
            return exit.copy(); // the caller's stages run on the caller's thread
        }
        // completed where the exit is seen, so that join() wakes at once; the caller's stages run
        // on a callback thread, never on the backend thread that saw the exit nor under our lock
        CallbackFuture<ExitStatus> f = new CallbackFuture<>(ctx.callbacks());
        exit.whenComplete((s, e) -> {
            if (e != null) {
                f.completeExceptionally(e);
            } else {
                f.complete(s);
            }
        });
        return f;
    }

    @Override
    public void signal(Signal signal) {
        Run r;
        synchronized (lock) {
            r = run;
        }
        if (r.proc.isAlive()) {
            ctx.stopper().signal(r.target(), signal);
        }
    }

    @Override
    public ProcessInfo info() {
        synchronized (lock) {
            return infoLocked();
        }
    }

    private ProcessInfo infoLocked() {
        Run r = run;
        boolean live = r != null && !r.exit.isDone() && state.isLive();
        Duration uptime = live ? Duration.ofNanos(ctx.scheduler().nanoTime() - r.startNanos) : Duration.ZERO;
        return new ProcessInfo(tag, r == null ? OptionalLong.empty() : OptionalLong.of(r.pid), state, spec.command(),
                r == null ? Optional.empty() : Optional.of(r.startedAt), uptime, Optional.ofNullable(lastExit),
                restarts, Optional.ofNullable(nextRestart));
    }

    private void fireLocked(ProcessInfo from) {
        ctx.events().fire(spec.listeners(), from, infoLocked());
    }

    @Override
    public ProcessOutput output() {
        return output;
    }

    @Override
    public OutputStream stdin() {
        if (!(spec.stdin() instanceof StdinSpec.Pipe)) {
            throw new IllegalStateException("stdin of '" + tag + "' is not a pipe; build the spec with stdin(StdinSpec.pipe())");
        }
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                current().writeStdin(ByteBuffer.wrap(b, off, len));
            }

            @Override
            public void close() {
                closeStdin();
            }
        };
    }

    @Override
    public void closeStdin() {
        if (spec.stdin() instanceof StdinSpec.Pipe) {
            current().closeStdin();
        }
    }

    private LaunchedProcess current() {
        synchronized (lock) {
            return run.proc;
        }
    }

    /** Closes the output files; called once the tag is released for good. */
    void closeOutputs() {
        out.close();
        err.close();
    }

    @Override
    public String toString() {
        return "ProcessContainer[" + tag + ", " + state() + "]";
    }
}
