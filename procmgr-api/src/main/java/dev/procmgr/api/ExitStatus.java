package dev.procmgr.api;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * How an OS process ended: with an exit code, or killed by a signal. Never a magic number:
 * {@link #code()} is empty for a signal death and {@link #signal()} for a normal exit.
 *
 * @param signaled true when a signal ended the process
 * @param value the exit code (0-255) or the signal number
 */
public record ExitStatus(boolean signaled, int value) {

    public ExitStatus {
        if (value < 0) {
            throw new IllegalArgumentException("exit code or signal number is negative: " + value);
        }
    }

    /** A normal exit with this code. */
    public static ExitStatus exited(int code) {
        return new ExitStatus(false, code);
    }

    /** A death by the signal with this number. */
    public static ExitStatus killed(int signalNumber) {
        return new ExitStatus(true, signalNumber);
    }

    /** A death by this signal. */
    public static ExitStatus killed(Signal signal) {
        return new ExitStatus(true, signal.number());
    }

    /** The exit code, empty when a signal ended the process. */
    public OptionalInt code() {
        return signaled ? OptionalInt.empty() : OptionalInt.of(value);
    }

    /** The terminating signal's number, empty for a normal exit. */
    public OptionalInt signal() {
        return signaled ? OptionalInt.of(value) : OptionalInt.empty();
    }

    /** The terminating signal, when it is one procmgr names. */
    public Optional<Signal> signalName() {
        return signaled ? Signal.ofNumber(value) : Optional.empty();
    }

    /** True for exit code 0. */
    public boolean success() {
        return !signaled && value == 0;
    }

    /**
     * The shell convention: the exit code, or 128 + signal number. What {@code procmgr run}
     * exits with.
     */
    public int shellCode() {
        return signaled ? 128 + value : value;
    }

    @Override
    public String toString() {
        if (!signaled) {
            return "exit " + value;
        }
        return "signal " + signalName().map(Signal::name).orElse(Integer.toString(value));
    }
}
