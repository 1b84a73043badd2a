package dev.procmgr.api;

import java.util.List;

/**
 * The output a process wrote that procmgr keeps: the captured lines of each stream, across
 * restarts of the same tag. Lines are split on {@code \n} (a trailing {@code \r} is kept),
 * invalid UTF-8 is replaced by U+FFFD, and a line longer than the line limit (64 KiB) is cut
 * and marked with a trailing {@code " [cut]"}. A last line without newline is delivered when
 * the stream ends. Thread-safe.
 */
public interface ProcessOutput {

    /** The two output streams. */
    enum Stream { STDOUT, STDERR }

    /**
     * The last {@code n} complete lines of a stream that are still in the capture buffer, oldest
     * first. Empty when the stream is not captured.
     *
     * @throws IllegalArgumentException when {@code n} is negative
     */
    List<String> lines(Stream stream, int n);

    /**
     * All lines of a stream still in the capture buffer, oldest first.
     */
    default List<String> lines(Stream stream) {
        return lines(stream, Integer.MAX_VALUE);
    }

    /**
     * Delivers every line written from now on, of both streams, to the listener, on a procmgr
     * thread that is never a backend I/O thread. Lines wait in a bounded queue: when the
     * listener is too slow they are dropped and counted ({@link Subscription#dropped()}), the
     * child and other processes are never held up.
     *
     * @return a handle to stop the delivery
     */
    default Subscription follow(OutputListener listener) {
        return follow(listener, 0);
    }

    /**
     * Like {@link #follow(OutputListener)}, but first delivers the last {@code lastLines} lines of
     * each stream still in the capture buffer (as {@link #lines(Stream, int)} would return them),
     * then every line written from now on: no line is lost or delivered twice in between, which
     * a call of {@code lines} before or after {@code follow} cannot promise. Within a stream,
     * lines arrive in order; the order between the two streams is not defined.
     *
     * @throws IllegalArgumentException when {@code lastLines} is negative
     * @return a handle to stop the delivery
     */
    Subscription follow(OutputListener listener, int lastLines);

    /** A line listener registered with {@link #follow}. */
    interface Subscription extends AutoCloseable {
        /** Lines dropped because the listener fell behind. */
        long dropped();

        /** Stops the delivery. Idempotent. */
        @Override
        void close();
    }
}
