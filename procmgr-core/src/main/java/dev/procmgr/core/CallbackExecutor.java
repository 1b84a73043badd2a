package dev.procmgr.core;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the stages callers chain on {@link dev.procmgr.api.ProcessContainer#onExit()}: never on a
 * backend's I/O or exit-watch thread and never under a procmgr lock, so a stage that blocks (say,
 * one that stops another process) holds up its caller only, not every other process's exits and
 * output. Threads are made on demand and go after 10 s idle, as in the JDK's own
 * {@code Process.onExit()}; after {@link #close()} a late stage gets a thread of its own.
 */
final class CallbackExecutor implements Executor, AutoCloseable {
    private final String name;
    private final AtomicInteger n = new AtomicInteger();
    private final ThreadPoolExecutor pool;

    CallbackExecutor(String name) {
        this.name = name;
        this.pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS, new SynchronousQueue<>(), this::thread);
    }

    private Thread thread(Runnable r) {
        Thread t = new Thread(r, name + "-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
    }

    @Override
    public void execute(Runnable task) {
        try {
            pool.execute(task);
        } catch (RejectedExecutionException closed) {
            thread(task).start();
        }
    }

    /** Lets running stages finish; idle threads end now. */
    @Override
    public void close() {
        pool.shutdown();
    }
}
