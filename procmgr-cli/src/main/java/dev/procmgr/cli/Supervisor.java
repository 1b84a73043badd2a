package dev.procmgr.cli;

import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.OutputListener;
import dev.procmgr.api.OutputSpec;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessInfo;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.api.ProcessOutput;
import dev.procmgr.api.ProcessState;
import dev.procmgr.api.ProcmgrException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The programs of one config file on one {@link ProcessManager}: what the control commands act
 * on. A program stays known after it is stopped (its last container is kept, for status and
 * logs) until it is removed or dropped from the file by a reload. Thread-safe: operations on
 * one program are serialized; status and logs never wait for a stop in progress.
 */
final class Supervisor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("procmgr");

    /** Where a program's output goes besides the capture buffer the config asks for. */
    interface OutputRouting {
        OutputSpec stdout(String tag, ProgramConfig config);

        OutputSpec stderr(String tag, ProgramConfig config);

        /** Nothing more: only the capture buffer (and the config's files). */
        OutputRouting NONE = new OutputRouting() {
            @Override
            public OutputSpec stdout(String tag, ProgramConfig config) {
                return OutputSpec.discard();
            }

            @Override
            public OutputSpec stderr(String tag, ProgramConfig config) {
                return OutputSpec.discard();
            }
        };

        /** Every line to the console logger {@code procmgr.output.<tag>} (stdout INFO, stderr WARN). */
        OutputRouting CONSOLE = new OutputRouting() {
            @Override
            public OutputSpec stdout(String tag, ProgramConfig config) {
                return OutputSpec.log("INFO");
            }

            @Override
            public OutputSpec stderr(String tag, ProgramConfig config) {
                return OutputSpec.log("WARN");
            }
        };

        /** Files {@code <dir>/<tag>.log} and {@code <tag>.err.log}, unless the config names its own file. */
        static OutputRouting files(Path dir) {
            return new OutputRouting() {
                @Override
                public OutputSpec stdout(String tag, ProgramConfig config) {
                    return config.output().file().isPresent() ? OutputSpec.discard()
                            : OutputSpec.file(dir.resolve(tag + ".log"), OutputSpec.DEFAULT_MAX_BYTES, OutputSpec.DEFAULT_KEEP);
                }

                @Override
                public OutputSpec stderr(String tag, ProgramConfig config) {
                    return config.output().file().isPresent() ? OutputSpec.discard()
                            : OutputSpec.file(dir.resolve(tag + ".err.log"), OutputSpec.DEFAULT_MAX_BYTES, OutputSpec.DEFAULT_KEEP);
                }
            };
        }
    }

    /** One line of {@code status}. */
    record Row(String tag, String state, OptionalLong pid, Duration uptime, int restarts, Optional<String> lastExit,
               Optional<Instant> started, List<String> command, Optional<String> message) {
    }

    /** What {@code reload} did. */
    record ReloadResult(List<String> added, List<String> removed, List<String> changed, List<String> unchanged) {
    }

    /** The result of one start/stop/restart of one program. */
    record Outcome(String tag, boolean ok, String message) {
    }

    private static final class Program {
        final String tag;
        final ReentrantLock lock = new ReentrantLock();
        final List<Follower> followers = new CopyOnWriteArrayList<>();
        volatile ProgramConfig config;
        volatile boolean fromFile;
        volatile ProcessContainer container;
        volatile String startError;
        volatile boolean removed;

        Program(String tag, ProgramConfig config, boolean fromFile) {
            this.tag = tag;
            this.config = config;
            this.fromFile = fromFile;
        }
    }

    private final ProcessManager manager;
    private final Path configFile;
    private final ConfigLoader loader;
    private final OutputRouting routing;
    private final Map<String, Program> programs = new LinkedHashMap<>();
    private final ReentrantLock structure = new ReentrantLock();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile boolean closed;
    private volatile boolean ready;

    Supervisor(ProcessManager manager, Path configFile, ConfigLoader loader, OutputRouting routing) {
        this.manager = manager;
        this.configFile = configFile;
        this.loader = loader;
        this.routing = routing;
        manager.addListener(Supervisor::logChange);
    }

    private static void logChange(ProcessInfo from, ProcessInfo to) {
        if (from.state() == to.state()) {
            return;
        }
        StringBuilder sb = new StringBuilder().append(to.tag()).append(": ").append(from.state()).append(" -> ").append(to.state());
        if (to.state() == ProcessState.STARTING || to.state() == ProcessState.RUNNING) {
            to.pid().ifPresent(p -> sb.append(" (pid ").append(p).append(')'));
        }
        if (!to.state().isLive()) {
            to.exit().ifPresent(e -> sb.append(" (").append(e).append(')'));
        }
        to.nextRestart().ifPresent(at -> sb.append(", restart #").append(to.restarts() + 1).append(" in ")
                .append(Durations.format(Duration.between(Instant.now(), at).isNegative() ? Duration.ZERO
                        : Duration.between(Instant.now(), at))));
        // the core logs starts, exits and stops; say aloud only what needs a person
        if (to.state() == ProcessState.FATAL || to.state() == ProcessState.EXITED) {
            LOG.warn("{}", sb);
        } else {
            LOG.debug("{}", sb);
        }
    }

    Path configFile() {
        return configFile;
    }

    boolean ready() {
        return ready;
    }

    /** Registers the file's programs and starts those with autostart. Start failures are logged and shown in status. */
    void startAll(Map<String, ProgramConfig> config) {
        List<Program> toStart = new ArrayList<>();
        structure.lock();
        try {
            for (Map.Entry<String, ProgramConfig> e : config.entrySet()) {
                Program p = new Program(e.getKey(), e.getValue(), true);
                synchronized (programs) {
                    programs.put(p.tag, p);
                }
                if (e.getValue().autostart()) {
                    toStart.add(p);
                }
            }
            forEachParallel(toStart, this::start);
        } finally {
            structure.unlock();
        }
        ready = true;
    }

    /** The tags, in file order then the order they were added. */
    List<String> tags() {
        synchronized (programs) {
            return List.copyOf(programs.keySet());
        }
    }

    private Program program(String tag) {
        synchronized (programs) {
            Program p = programs.get(tag);
            if (p == null) {
                throw new CliException(ExitCodes.UNKNOWN_TAG, "unknown tag '" + tag + "'" + known());
            }
            return p;
        }
    }

    private String known() {
        synchronized (programs) {
            return programs.isEmpty() ? " (no programs)" : " (known: " + String.join(", ", programs.keySet()) + ")";
        }
    }

    /** Checks that every tag exists, before anything is changed. */
    List<String> resolve(List<String> tags, boolean all) {
        if (all) {
            return tags();
        }
        for (String t : tags) {
            program(t);
        }
        return List.copyOf(new java.util.LinkedHashSet<>(tags));
    }

    List<Row> status(List<String> tags) {
        List<String> which = tags.isEmpty() ? tags() : resolve(tags, false);
        List<Row> rows = new ArrayList<>();
        for (String t : which) {
            Program p;
            synchronized (programs) {
                p = programs.get(t);
            }
            if (p != null) {
                rows.add(row(p));
            }
        }
        return rows;
    }

    private Row row(Program p) {
        ProcessContainer c = p.container;
        ProgramConfig cfg = p.config;
        String startError = p.startError;
        ProcessInfo i = c == null ? null : c.info();
        if (i == null || (startError != null && !i.state().isLive())) {
            // never started, or the last start failed (the tag is free; the old container, if any, is stopped)
            return new Row(p.tag, startError != null ? "FATAL" : "STOPPED", OptionalLong.empty(), Duration.ZERO,
                    i == null ? 0 : i.restarts(), Optional.ofNullable(startError == null ? null : "start failed"),
                    Optional.empty(), cfg.command(), Optional.ofNullable(startError));
        }
        boolean live = i.state().isLive();
        return new Row(p.tag, i.state().name(), live ? i.pid() : OptionalLong.empty(), live ? i.uptime() : Duration.ZERO,
                i.restarts(), i.exit().map(ExitStatus::toString), i.startTime(), i.command(),
                Optional.ofNullable(p.startError));
    }

    List<Outcome> start(List<String> tags) {
        return forEachParallel(resolveAll(tags), this::start);
    }

    List<Outcome> stop(List<String> tags) {
        return forEachParallel(resolveAll(tags), this::stop);
    }

    List<Outcome> restart(List<String> tags) {
        return forEachParallel(resolveAll(tags), this::restart);
    }

    private List<Program> resolveAll(List<String> tags) {
        List<Program> ps = new ArrayList<>();
        for (String t : tags) {
            ps.add(program(t));
        }
        return ps;
    }

    private Outcome start(Program p) {
        p.lock.lock();
        try {
            if (p.removed) {
                return new Outcome(p.tag, false, "removed");
            }
            ProcessContainer c = p.container;
            if (c != null && manager.fetch(p.tag).orElse(null) == c) {
                ProcessState s = c.state();
                if (s.isLive() || s == ProcessState.BACKOFF) {
                    return new Outcome(p.tag, true, "already running" + (s.isLive() ? " (pid " + c.pid() + ")" : " (" + s + ")"));
                }
                c.stop();
            }
            return create(p);
        } finally {
            p.lock.unlock();
        }
    }

    /** Creates the program's process; the caller holds its lock and the tag is free. */
    private Outcome create(Program p) {
        ProgramConfig cfg = p.config;
        try {
            ProcessContainer c = manager.create(p.tag, cfg.toSpec(routing.stdout(p.tag, cfg), routing.stderr(p.tag, cfg)));
            p.container = c;
            p.startError = null;
            resubscribe(p);
            return new Outcome(p.tag, true, "started (pid " + c.pid() + ")");
        } catch (ProcmgrException e) {
            p.startError = e.getMessage();
            LOG.error("{}: {}", p.tag, e.getMessage());
            return new Outcome(p.tag, false, e.getMessage());
        }
    }

    private Outcome stop(Program p) {
        p.lock.lock();
        try {
            ProcessContainer c = p.container;
            if (c == null || manager.fetch(p.tag).orElse(null) != c) {
                return new Outcome(p.tag, true, "not running");
            }
            ExitStatus e = c.stop();
            return new Outcome(p.tag, true, "stopped (" + e + ")");
        } finally {
            p.lock.unlock();
        }
    }

    private Outcome restart(Program p) {
        p.lock.lock();
        try {
            if (p.removed) {
                return new Outcome(p.tag, false, "removed");
            }
            ProcessContainer c = p.container;
            if (c != null && manager.fetch(p.tag).orElse(null) == c) {
                if (c.state().isLive()) {
                    try {
                        c.restart();
                        return new Outcome(p.tag, true, "restarted (pid " + c.pid() + ")");
                    } catch (ProcmgrException e) {
                        p.startError = e.getMessage();
                        return new Outcome(p.tag, false, e.getMessage());
                    }
                }
                c.stop();
            }
            Outcome o = create(p);
            return o.ok() ? new Outcome(p.tag, true, "re" + o.message()) : o;
        } finally {
            p.lock.unlock();
        }
    }

    /** Adds a program at runtime and starts it (unless autostart is false). */
    Outcome add(String tag, ProgramConfig config) {
        structure.lock();
        try {
            Program p = new Program(tag, config, false);
            synchronized (programs) {
                if (programs.containsKey(tag)) {
                    throw new CliException(ExitCodes.FAILURE, "tag '" + tag + "' already exists; remove it first");
                }
                programs.put(tag, p);
            }
            if (!config.autostart()) {
                return new Outcome(tag, true, "added (not started: autostart is false)");
            }
            p.lock.lock();
            try {
                Outcome o = create(p);
                if (!o.ok()) {
                    synchronized (programs) {
                        programs.remove(tag);
                    }
                    p.removed = true;
                }
                return o.ok() ? new Outcome(tag, true, "added and " + o.message()) : o;
            } finally {
                p.lock.unlock();
            }
        } finally {
            structure.unlock();
        }
    }

    /** Stops a program and forgets it. */
    Outcome remove(String tag) {
        structure.lock();
        try {
            Program p = program(tag);
            Outcome o = removeProgram(p);
            return o;
        } finally {
            structure.unlock();
        }
    }

    private Outcome removeProgram(Program p) {
        p.lock.lock();
        try {
            ProcessContainer c = p.container;
            String how = "removed";
            if (c != null && manager.fetch(p.tag).orElse(null) == c) {
                how = "stopped (" + c.stop() + ") and removed";
            }
            p.removed = true;
            unsubscribe(p);
            synchronized (programs) {
                programs.remove(p.tag);
            }
            return new Outcome(p.tag, true, how);
        } finally {
            p.lock.unlock();
        }
    }

    /**
     * Re-reads the config file: starts added programs, stops removed ones, restarts changed
     * ones, leaves the rest running. Programs added at runtime stay unless the file now names them.
     *
     * @throws CliException (1) when the file is invalid; then nothing changes
     */
    ReloadResult reload() {
        Map<String, ProgramConfig> next;
        try {
            next = loader.load(configFile);
        } catch (ConfigException e) {
            throw new CliException(ExitCodes.FAILURE, "reload refused, nothing changed: " + e.getMessage());
        }
        structure.lock();
        try {
            List<String> added = new ArrayList<>();
            List<String> removed = new ArrayList<>();
            List<String> changed = new ArrayList<>();
            List<String> unchanged = new ArrayList<>();
            List<Program> toStart = new ArrayList<>();
            List<Program> toRemove = new ArrayList<>();
            List<Program> toChange = new ArrayList<>();
            Map<Program, ProgramConfig> newConfig = new LinkedHashMap<>();
            synchronized (programs) {
                for (Program p : programs.values()) {
                    if (p.fromFile && !next.containsKey(p.tag)) {
                        toRemove.add(p);
                        removed.add(p.tag);
                    }
                }
                for (Map.Entry<String, ProgramConfig> e : next.entrySet()) {
                    Program p = programs.get(e.getKey());
                    if (p == null) {
                        p = new Program(e.getKey(), e.getValue(), true);
                        programs.put(p.tag, p);
                        added.add(p.tag);
                        if (e.getValue().autostart()) {
                            toStart.add(p);
                        }
                    } else if (!p.config.equals(e.getValue())) {
                        changed.add(p.tag);
                        toChange.add(p);
                        newConfig.put(p, e.getValue());
                    } else {
                        p.fromFile = true;
                        unchanged.add(p.tag);
                    }
                }
            }
            forEachParallel(toRemove, this::removeProgram);
            forEachParallel(toChange, p -> {
                p.lock.lock();
                try {
                    ProcessContainer c = p.container;
                    if (c != null && manager.fetch(p.tag).orElse(null) == c) {
                        c.stop();
                    }
                    p.config = newConfig.get(p);
                    p.fromFile = true;
                    return p.config.autostart() ? create(p) : new Outcome(p.tag, true, "stopped");
                } finally {
                    p.lock.unlock();
                }
            });
            forEachParallel(toStart, this::start);
            LOG.info("reloaded {}: added {}, removed {}, changed {}, unchanged {}", configFile, added, removed, changed,
                    unchanged.size());
            return new ReloadResult(added, removed, changed, unchanged);
        } finally {
            structure.unlock();
        }
    }

    /** The last {@code n} captured lines of the program's current or last run. */
    List<String> lines(String tag, int n, ProcessOutput.Stream stream) {
        Program p = program(tag);
        ProcessContainer c = p.container;
        return c == null ? List.of() : c.output().lines(stream, n);
    }

    /**
     * Delivers the last {@code lastLines} captured lines of each stream of the program's current
     * run, then its new lines, to the listener (each line once), across restarts and re-starts,
     * until the returned handle is closed or the program is removed.
     */
    ProcessOutput.Subscription follow(String tag, int lastLines, OutputListener listener) {
        Program p = program(tag);
        Follower f = new Follower(listener);
        p.lock.lock();
        try {
            p.followers.add(f);
            if (p.container != null) {
                f.follow(p.container, lastLines);
            }
        } finally {
            p.lock.unlock();
        }
        return new ProcessOutput.Subscription() {
            @Override
            public long dropped() {
                return f.dropped();
            }

            @Override
            public void close() {
                p.lock.lock();
                try {
                    p.followers.remove(f);
                    f.unfollow();
                } finally {
                    p.lock.unlock();
                }
            }
        };
    }

    /** Moves the program's followers to its current container (new lines only); the caller holds its lock. */
    private static void resubscribe(Program p) {
        ProcessContainer c = p.container;
        if (c == null) {
            return;
        }
        for (Follower f : p.followers) {
            if (f.followed != c) {
                f.follow(c, 0);
            }
        }
    }

    private static void unsubscribe(Program p) {
        p.followers.forEach(Follower::unfollow);
    }

    /** One {@code logs -f} client: its subscription to the program's current container. */
    private static final class Follower {
        final OutputListener listener;
        ProcessContainer followed; // guarded by the program's lock
        ProcessOutput.Subscription subscription; // guarded by the program's lock
        private volatile long droppedBefore; // by subscriptions of earlier containers

        Follower(OutputListener listener) {
            this.listener = listener;
        }

        void follow(ProcessContainer c, int lastLines) {
            unfollow();
            subscription = c.output().follow(listener, lastLines);
            followed = c;
        }

        void unfollow() {
            if (subscription != null) {
                subscription.close();
                droppedBefore += subscription.dropped();
                subscription = null;
                followed = null;
            }
        }

        long dropped() {
            ProcessOutput.Subscription s = subscription;
            return droppedBefore + (s == null ? 0 : s.dropped());
        }
    }

    /**
     * Stops every program (in parallel) without ending the supervisor yet, so that a
     * {@code down} can answer before the socket goes. Idempotent.
     */
    void stopAll() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        LOG.info("stopping all programs");
        manager.close();
    }

    /** Stops every program (in parallel) and ends the supervisor. Idempotent. */
    @Override
    public void close() {
        try {
            stopAll();
        } finally {
            terminated.countDown();
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** Waits until {@link #close()} has finished. */
    void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    private static <T> List<Outcome> forEachParallel(List<T> items, Function<T, Outcome> op) {
        if (items.size() == 1) {
            return List.of(op.apply(items.get(0)));
        }
        List<CompletableFuture<Outcome>> fs = new ArrayList<>();
        for (T item : items) {
            CompletableFuture<Outcome> f = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    f.complete(op.apply(item));
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            }, "procmgr-supervisor-op");
            t.setDaemon(true);
            t.start();
            fs.add(f);
        }
        List<Outcome> out = new ArrayList<>();
        for (CompletableFuture<Outcome> f : fs) {
            try {
                out.add(f.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException(ExitCodes.FAILURE, "interrupted");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
        return out;
    }
}
