package dev.procmgr.core;

import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;

/** A scheduler whose clock moves only when the test calls {@link #advance}. */
final class FakeScheduler implements Scheduler {
    private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

    private record Task(long due, long seq, Runnable run, boolean[] cancelled) {
    }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) ->
            a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
    private long now;
    private long seq;

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public synchronized Instant now() {
        return EPOCH.plusNanos(now);
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, Duration delay) {
        boolean[] cancelled = {false};
        tasks.add(new Task(now + Math.max(0, delay.toNanos()), seq++, task, cancelled));
        notifyAll();
        return () -> {
            synchronized (FakeScheduler.this) {
                cancelled[0] = true;
            }
        };
    }

    /** Moves the clock forward, running every task that falls due, in order. */
    void advance(Duration d) {
        long target;
        synchronized (this) {
            target = now + d.toNanos();
        }
        while (true) {
            Task t;
            synchronized (this) {
                t = tasks.peek();
                if (t == null || t.due > target) {
                    now = target;
                    return;
                }
                tasks.poll();
                now = Math.max(now, t.due);
                if (t.cancelled[0]) {
                    continue;
                }
            }
            t.run.run();
        }
    }

    /** Runs what is due now. */
    void runDue() {
        advance(Duration.ZERO);
    }

    /** Tasks still waiting (cancelled ones excluded). */
    synchronized long pending() {
        return tasks.stream().filter(t -> !t.cancelled[0]).count();
    }

    /** Waits (real time) until another thread has scheduled something. */
    synchronized void awaitPending(long atLeast) throws InterruptedException {
        long end = System.currentTimeMillis() + 10_000;
        while (pending() < atLeast && System.currentTimeMillis() < end) {
            wait(50);
        }
    }
}
