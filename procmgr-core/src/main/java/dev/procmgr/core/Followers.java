package dev.procmgr.core;

import dev.procmgr.api.OutputListener;
import dev.procmgr.api.ProcessOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ProcessOutput#follow} subscriptions of one process. Each has a bounded queue and
 * its own daemon delivery thread, so a slow listener drops lines (counted) and never holds up
 * the backend's I/O thread, the child, or another listener.
 */
final class Followers {
    private static final Logger LOG = LoggerFactory.getLogger(Followers.class);
    static final int QUEUE_CAPACITY = 8192;

    private final String tag;
    private final CopyOnWriteArrayList<Sub> subs = new CopyOnWriteArrayList<>();

    Followers(String tag) {
        this.tag = tag;
    }

    void offer(ProcessOutput.Stream stream, String line) {
        for (Sub s : subs) {
            s.offer(stream, line);
        }
    }

    /** Whether anyone follows now; a stream without other line consumers skips line work when not. */
    boolean any() {
        return !subs.isEmpty();
    }

    /**
     * A new subscription that takes no line until its streams are {@linkplain Sub#open opened}
     * and that delivers nothing until {@linkplain Sub#start started}.
     */
    Sub register(OutputListener listener) {
        Sub s = new Sub(listener);
        subs.add(s);
        return s;
    }

    private record Line(ProcessOutput.Stream stream, String text) {
    }

    /** One follower: its backlog, then a bounded queue of new lines, delivered on its own thread. */
    final class Sub implements ProcessOutput.Subscription {
        private final OutputListener listener;
        private final BlockingQueue<Line> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
        private final AtomicLong dropped = new AtomicLong();
        private final Thread thread;
        /** Lines that were captured before the subscription; written before start, read by the thread. */
        private final List<Line> backlog = new ArrayList<>();
        private volatile int openStreams; // bit per stream: new lines of it are taken
        private volatile boolean closed;

        Sub(OutputListener listener) {
            this.listener = listener;
            this.thread = new Thread(this::deliver, "procmgr-follow-" + tag);
            thread.setDaemon(true);
        }

        /** Takes the stream's new lines from now on, after these earlier ones; before {@link #start}. */
        void open(ProcessOutput.Stream stream, List<String> earlier) {
            for (String line : earlier) {
                backlog.add(new Line(stream, line));
            }
            openStreams |= 1 << stream.ordinal();
        }

        void start() {
            thread.start();
        }

        void offer(ProcessOutput.Stream stream, String line) {
            if (closed || (openStreams & (1 << stream.ordinal())) == 0) {
                return;
            }
            if (!queue.offer(new Line(stream, line))) {
                dropped.incrementAndGet();
            }
        }

        private void deliver() {
            for (Line l : backlog) {
                if (closed) {
                    return;
                }
                deliver(l);
            }
            backlog.clear();
            while (!closed) {
                Line l;
                try {
                    l = queue.poll(200, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    return;
                }
                if (l != null) {
                    deliver(l);
                }
            }
        }

        private void deliver(Line l) {
            try {
                listener.onLine(tag, l.stream(), l.text());
            } catch (RuntimeException e) {
                LOG.warn("output listener of '{}' threw; line skipped", tag, e);
            }
        }

        @Override
        public long dropped() {
            return dropped.get();
        }

        @Override
        public void close() {
            closed = true;
            subs.remove(this);
            thread.interrupt();
        }
    }
}
