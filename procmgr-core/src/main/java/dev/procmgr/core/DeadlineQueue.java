package dev.procmgr.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Many deferred tasks on one {@link Scheduler} task at a time: the start-seconds promotion of
 * every launch. On the real scheduler each schedule wakes its timer thread and each cancel takes
 * its queue lock (about 3 us on the launching thread, and more under the process's lock at the
 * exit), while nearly every promotion of a short run is cancelled. Here a task only joins a
 * sorted set; the scheduler is asked for a wake-up only when a task is due before the one already
 * asked for. A cancelled task leaves the set at once, but its wake-up stays, and when it finds
 * nothing due it asks for the next one, if any: sequential short runs ask about once per
 * start-seconds span. Due tasks run on the scheduler's thread, earliest first, outside this
 * queue's lock, so callers may schedule and cancel while holding locks of their own.
 */
final class DeadlineQueue {
    private static final Logger LOG = LoggerFactory.getLogger(DeadlineQueue.class);
    private static final Comparator<Entry> ORDER = Comparator.<Entry>comparingLong(e -> e.due).thenComparingLong(e -> e.seq);

    private final Scheduler scheduler;
    // guarded by this
    private final TreeSet<Entry> entries = new TreeSet<>(ORDER);
    private long seq;
    private Scheduler.Cancellable wakeUp;
    private long wakeUpDue;
    private long generation;

    DeadlineQueue(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    private final class Entry implements Scheduler.Cancellable {
        final long due;
        final long seq;
        final Runnable task;

        Entry(long due, long seq, Runnable task) {
            this.due = due;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public void cancel() {
            synchronized (DeadlineQueue.this) {
                entries.remove(this);
            }
        }
    }

    /** Runs the task once after the delay, like {@link Scheduler#schedule}. */
    synchronized Scheduler.Cancellable schedule(Runnable task, Duration delay) {
        long now = scheduler.nanoTime();
        Entry e = new Entry(dueAt(now, delay), seq++, task);
        entries.add(e);
        if (wakeUp == null || e.due < wakeUpDue) {
            wakeUpLocked(e.due, now);
        }
        return e;
    }

    /** Tasks waiting (for tests). */
    synchronized int size() {
        return entries.size();
    }

    private void wakeUpLocked(long due, long now) {
        if (wakeUp != null) {
            wakeUp.cancel(); // one that has begun already finds itself superseded
        }
        long g = generation + 1;
        wakeUpDue = due;
        wakeUp = scheduler.schedule(() -> runDue(g), Duration.ofNanos(nanosUntil(due, now)));
        // set only now: a scheduler that runs the task inline (the real one after close) must not
        // have it run tasks and ask again, recursively, while we hold the lock
        generation = g;
    }

    private void runDue(long g) {
        List<Entry> due = new ArrayList<>();
        synchronized (this) {
            if (g != generation) {
                return; // superseded by a wake-up for an earlier task
            }
            wakeUp = null;
            long now = scheduler.nanoTime();
            while (!entries.isEmpty() && entries.first().due <= now) {
                due.add(entries.pollFirst());
            }
            if (!entries.isEmpty()) {
                wakeUpLocked(entries.first().due, now);
            }
        }
        for (Entry e : due) {
            try {
                e.task.run();
            } catch (RuntimeException ex) {
                LOG.error("procmgr task failed", ex);
            }
        }
    }

    // saturating: a start time of centuries must not wrap around into "due now"
    private static long dueAt(long now, Duration delay) {
        try {
            return Math.addExact(now, delay.toNanos());
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    private static long nanosUntil(long due, long now) {
        try {
            return Math.max(0, Math.subtractExact(due, now));
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }
}
