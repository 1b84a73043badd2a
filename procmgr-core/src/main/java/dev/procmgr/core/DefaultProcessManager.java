package dev.procmgr.core;

import dev.procmgr.api.DuplicateTagException;
import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.ManagerClosedException;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessListener;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.api.ProcessSpec;
import dev.procmgr.spi.ProcessLauncher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry: unique tags, creation, lookup, release and close. Supervision and stopping live
 * in {@link ManagedProcess}; the OS work in the {@link ProcessLauncher} it is given.
 *
 * <p>Tag uniqueness without a global lock: a create first reserves the tag in {@link #reserved}
 * (an atomic set add), then launches, then publishes the container in {@link #registry}, then
 * drops the reservation. A concurrent create of the same tag finds it in one of the two and
 * gets {@link DuplicateTagException} before it starts anything. Readers see only the registry,
 * so a tag whose launch failed is never visible.
 */
final class DefaultProcessManager implements ProcessManager {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultProcessManager.class);

    private final ProcessLauncher launcher;
    private final ManagerOptions options;
    private final Map<String, Entry> registry = new ConcurrentHashMap<>();
    private final Set<String> reserved = ConcurrentHashMap.newKeySet();
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final RealScheduler realScheduler;
    private final CallbackExecutor callbacks; // null on a hand-driven clock
    private final EventDispatcher events;
    private final LaunchTracker tracker;
    private final ManagedProcess.Context context;
    private final Thread shutdownHook;
    private final CompletableFuture<Void> closeDone = new CompletableFuture<>();

    private record Entry(ManagedProcess process, long order) {
    }

    DefaultProcessManager(ProcessLauncher launcher, ManagerOptions options) {
        this(launcher, options, null, null);
    }

    /**
     * With a scheduler and tree stopper of the caller's (tests drive time by hand); null for the
     * real ones.
     */
    DefaultProcessManager(ProcessLauncher launcher, ManagerOptions options, Scheduler testScheduler, TreeStopper testStopper) {
        this.launcher = Objects.requireNonNull(launcher, "launcher is null");
        this.options = Objects.requireNonNull(options, "options is null");
        launcher.unavailabilityCause().ifPresent(cause -> {
            throw new IllegalStateException("procmgr backend '" + launcher.name() + "' is not available here: " + cause);
        });
        String id = Integer.toHexString(System.identityHashCode(this));
        this.realScheduler = testScheduler == null ? new RealScheduler("procmgr-" + id + "-timer") : null;
        Scheduler scheduler = testScheduler == null ? realScheduler : testScheduler;
        this.events = new EventDispatcher("procmgr-" + id + "-events");
        this.tracker = Trackers.start(options);
        TreeStopper stopper = testStopper != null ? testStopper : new TreeStopper(scheduler,
                ProcTable.available() ? new ProcTable.Cache(TimeUnit.MILLISECONDS.toNanos(20)) : null, Posix.get());
        // on a hand-driven clock, stages run at once, so that tests see them without waiting
        this.callbacks = testScheduler == null ? new CallbackExecutor("procmgr-" + id + "-callback") : null;
        this.context = new ManagedProcess.Context(launcher, scheduler, new DeadlineQueue(scheduler), stopper, tracker,
                events, this::release, Duration.ofMillis(500), new NoticeOnce(), callbacks != null ? callbacks : Runnable::run);
        if (options.shutdownHook()) {
            shutdownHook = new Thread(this::closeFromHook, "procmgr-" + id + "-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        } else {
            shutdownHook = null;
        }
        LOG.debug("process manager {} on backend {}", id, launcher.name());
    }

    /** The backend this manager launches with. */
    ProcessLauncher launcher() {
        return launcher;
    }

    @Override
    public ProcessContainer create(String tag, ProcessSpec spec) {
        Tags.validate(tag);
        Objects.requireNonNull(spec, "spec is null");
        if (closed.get()) {
            throw new ManagerClosedException(tag);
        }
        if (registry.containsKey(tag) || !reserved.add(tag)) {
            throw new DuplicateTagException(tag);
        }
        try {
            if (registry.containsKey(tag)) {
                throw new DuplicateTagException(tag);
            }
            ManagedProcess p = ManagedProcess.start(tag, spec, context);
            registry.put(tag, new Entry(p, sequence.incrementAndGet()));
            if (closed.get()) {
                // close() began while we launched and may not have seen this one
                p.stop(Duration.ZERO);
                throw new ManagerClosedException(tag);
            }
            return p;
        } finally {
            reserved.remove(tag);
        }
    }

    private void release(ManagedProcess p) {
        registry.computeIfPresent(p.tag(), (t, e) -> e.process() == p ? null : e);
        p.closeOutputs();
    }

    @Override
    public boolean running(String tag) {
        return tag != null && registry.containsKey(tag);
    }

    @Override
    public Optional<ProcessContainer> fetch(String tag) {
        if (tag == null) {
            return Optional.empty();
        }
        Entry e = registry.get(tag);
        return e == null ? Optional.empty() : Optional.of(e.process());
    }

    @Override
    public List<ProcessContainer> list() {
        List<Entry> es = new ArrayList<>(registry.values());
        es.sort(Comparator.comparingLong(Entry::order));
        List<ProcessContainer> out = new ArrayList<>(es.size());
        es.forEach(e -> out.add(e.process()));
        return List.copyOf(out);
    }

    @Override
    public void addListener(ProcessListener listener) {
        events.add(Objects.requireNonNull(listener, "listener is null"));
    }

    @Override
    public void removeListener(ProcessListener listener) {
        events.remove(listener);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            closeDone.join(); // a second close waits for the first, then returns
            return;
        }
        try {
            stopAll();
        } finally {
            tracker.close();
            events.close();
            if (callbacks != null) {
                callbacks.close();
            }
            if (realScheduler != null) {
                realScheduler.close();
            }
            if (shutdownHook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(shutdownHook);
                } catch (IllegalStateException e) {
                    // the JVM is already shutting down: the hook is running or has run
                }
            }
            closeDone.complete(null);
        }
    }

    /** Stops every process at once: all stop signals go out together, so N processes take about one stop timeout. */
    private void stopAll() {
        // wait for creates in flight, so that none registers after we looked
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!reserved.isEmpty() && System.nanoTime() < until) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        List<CompletableFuture<ExitStatus>> stops = new ArrayList<>();
        for (Entry e : registry.values()) {
            stops.add(e.process().stopAsync(e.process().spec().stopTimeout()).exceptionally(t -> {
                LOG.warn("stopping '{}' failed", e.process().tag(), t);
                return null;
            }));
        }
        if (!stops.isEmpty()) {
            LOG.info("closing: stopping {} processes", stops.size());
        }
        CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).join();
    }

    private void closeFromHook() {
        LOG.info("JVM shutting down: stopping managed processes");
        close();
    }
}
