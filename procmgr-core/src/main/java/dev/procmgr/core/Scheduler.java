package dev.procmgr.core;

import java.time.Duration;
import java.time.Instant;

/**
 * Time and deferred work for the core: backoff delays, stop timeouts, start-seconds promotion.
 * Injected so that the state machine is tested with a hand-driven clock instead of real sleeps.
 * Tasks must be short and never block.
 */
interface Scheduler {

    /** Monotonic time in nanoseconds, for durations. */
    long nanoTime();

    /** Wall-clock time, for start times shown to users. */
    Instant now();

    /** Runs the task once after the delay. */
    Cancellable schedule(Runnable task, Duration delay);

    /** Runs the task soon, on a scheduler thread. */
    default void execute(Runnable task) {
        schedule(task, Duration.ZERO);
    }

    /** A scheduled task. */
    interface Cancellable {
        /** Cancels the task if it has not started. */
        void cancel();
    }
}
