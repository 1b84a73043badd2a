package dev.procmgr.core;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The scheduler on real time: two daemon threads per manager, started lazily by the JDK. */
final class RealScheduler implements Scheduler, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RealScheduler.class);

    private final ScheduledThreadPoolExecutor executor;

    RealScheduler(String name) {
        AtomicInteger n = new AtomicInteger();
        executor = new ScheduledThreadPoolExecutor(2, r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
        Runnable guarded = () -> {
            try {
                task.run();
            } catch (Throwable t) {
                LOG.error("procmgr task failed", t);
            }
        };
        try {
            ScheduledFuture<?> f = executor.schedule(guarded, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // after close: run inline so that stop escalation still completes
            guarded.run();
            return () -> { };
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
