package dev.procmgr.bench;

import java.time.Duration;
import java.util.List;

/**
 * One column of the table: how a user of that library starts, waits for and stops a process.
 * Each scenario drives all four columns through this, so they do the same work.
 */
abstract class Driver implements AutoCloseable {

    /** The driver for a column. */
    static Driver of(Column column) {
        return switch (column) {
            case RAW_PB -> new RawPbDriver();
            case RAW_NU -> new RawNuDriver();
            case PM_JDK -> new PmDriver(new dev.procmgr.jdk.JdkProcessLauncher());
            case PM_NU -> new PmDriver(new dev.procmgr.nuprocess.NuProcessLauncher());
        };
    }

    /** Starts one process. */
    abstract Handle start(Launch launch) throws Exception;

    /** Graceful stop of all these at once (TERM, wait); returns when all have exited. */
    abstract void stopAll(List<Handle> handles) throws Exception;

    /** Kills whatever is still alive and frees the driver's resources. */
    @Override
    public abstract void close();

    /** One started process. */
    interface Handle {
        /** Blocks until the exit is seen (and, where output is read, all of it delivered). */
        void awaitExit() throws Exception;

        /** The exit code (after {@link #awaitExit()}). */
        int exitCode() throws Exception;

        /** Blocks until the exit is seen; the {@link System#nanoTime()} at which it was (needs {@link Launch#stampExit()}). */
        long exitSeenNanos() throws Exception;

        /** Blocks until the child wrote its first line. */
        void awaitReady() throws Exception;

        /** TERM, wait up to {@code timeout}, KILL, wait for the exit; the nanoseconds it took. */
        long stopEscalating(Duration timeout) throws Exception;

        /** Lets go of an exited process (procmgr: stop() releases the tag). */
        void release() throws Exception;

        /** Output bytes counted by the raw columns, -1 where procmgr keeps them. */
        long bytes();

        boolean isAlive();

        /** The OS pid, for signals sent from outside the library. */
        long pid();
    }
}
