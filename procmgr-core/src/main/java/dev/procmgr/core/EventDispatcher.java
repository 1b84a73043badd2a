package dev.procmgr.core;

import dev.procmgr.api.ProcessInfo;
import dev.procmgr.api.ProcessListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers state changes to listeners on one procmgr thread, in order, never on a backend I/O
 * thread. A listener that throws is logged and skipped. The thread exists only while there is
 * something to deliver.
 */
final class EventDispatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventDispatcher.class);

    private final List<ProcessListener> global = new CopyOnWriteArrayList<>();
    private final ExecutorService executor;

    EventDispatcher(String name) {
        ThreadPoolExecutor ex = new ThreadPoolExecutor(1, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        ex.allowCoreThreadTimeOut(true);
        this.executor = ex;
    }

    void add(ProcessListener l) {
        global.add(l);
    }

    void remove(ProcessListener l) {
        global.remove(l);
    }

    /** Queues the change for the manager's listeners and the spec's own. Never blocks. */
    void fire(List<ProcessListener> specListeners, ProcessInfo from, ProcessInfo to) {
        if (global.isEmpty() && specListeners.isEmpty()) {
            return;
        }
        try {
            executor.execute(() -> {
                deliver(global, from, to);
                deliver(specListeners, from, to);
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed: late events are dropped
        }
    }

    private static void deliver(List<ProcessListener> ls, ProcessInfo from, ProcessInfo to) {
        for (ProcessListener l : ls) {
            try {
                l.onStateChange(from, to);
            } catch (RuntimeException e) {
                LOG.warn("process listener {} threw on {} {} -> {}; skipped", l, to.tag(), from.state(), to.state(), e);
            }
        }
    }

    /** Delivers what is queued (up to a short wait), then stops. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
