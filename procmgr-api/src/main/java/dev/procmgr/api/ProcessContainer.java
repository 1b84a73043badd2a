package dev.procmgr.api;

import java.io.OutputStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One tagged process in a {@link ProcessManager}. The same container lives across restarts; its
 * pid changes. All methods are thread-safe.
 *
 * <p>A process that exited on its own keeps its tag: {@link ProcessManager#running} stays true
 * and {@link #isAlive()} is false ("crashed"). {@link #stop()} releases the tag.
 */
public interface ProcessContainer {

    /** The tag this process is registered under. */
    String tag();

    /** The spec it was created from. */
    ProcessSpec spec();

    /** The pid of the current process, or of the last one after it exited. */
    long pid();

    /** Whether the OS process is alive now (false once it exited, even before the exit is reaped). */
    boolean isAlive();

    /** The current state. */
    ProcessState state();

    /** The last exit status, empty while the first run is still going. */
    Optional<ExitStatus> exitStatus();

    /**
     * Completes with the exit status of the current run once it has ended and all its output
     * has been delivered. Each run has its own future: after a restart, call again. Stages chained
     * on it run on a procmgr callback thread (on the caller's thread when the run has already
     * ended), never on the thread that watches processes: a stage that blocks holds up only itself.
     */
    CompletableFuture<ExitStatus> onExit();

    /**
     * Stops the process with the spec's stop timeout; see {@link #stop(Duration)}.
     */
    ExitStatus stop();

    /**
     * Sends the stop signal to the process and all its descendants (its whole process group when
     * it leads one), waits up to {@code timeout} for them to end, then sends KILL to whatever is
     * left, waits for the exit to be seen, and releases the tag. A pending restart is cancelled.
     * Idempotent: a second call, or a call on a process that already exited, only releases the
     * tag and returns the last exit status. Blocks the caller; never throws for a process that is
     * already gone.
     *
     * @return how the process ended
     * @throws IllegalArgumentException when {@code timeout} is negative
     */
    ExitStatus stop(Duration timeout);

    /**
     * Stops the process (graceful, whole tree) and starts it again under the same tag. The
     * container, its restart count and its captured output stay; the pid changes.
     *
     * @throws ProcessStartException when it cannot start again (the process is then EXITED and keeps the tag)
     * @throws IllegalStateException when the container was stopped (its tag released)
     */
    void restart();

    /**
     * Sends a signal to the process (its whole group when it leads one). Does nothing when no
     * process is alive.
     */
    void signal(Signal signal);

    /** An immutable snapshot: tag, pid, state, command, start time, uptime, exit, restarts. */
    ProcessInfo info();

    /** The captured output. */
    ProcessOutput output();

    /**
     * The write end of the child's stdin, when the spec asked for {@link StdinSpec#pipe()}. Writes
     * go to the current run's process. Closing it closes the child's stdin.
     *
     * @throws IllegalStateException when stdin is not a pipe
     */
    OutputStream stdin();

    /** Closes the child's stdin pipe. Idempotent; does nothing when stdin is not a pipe. */
    void closeStdin();
}
