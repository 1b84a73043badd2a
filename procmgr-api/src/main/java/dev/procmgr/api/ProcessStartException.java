package dev.procmgr.api;

import java.util.List;

/**
 * Thrown when the OS process cannot be started: the executable is missing, not a file, not
 * executable, the working directory is missing, or the OS refuses (no fds, no memory). The
 * message names the tag, the command and the OS cause; the tag stays free.
 */
public class ProcessStartException extends ProcmgrException {
    private static final long serialVersionUID = 1L;
    private final String tag;
    private final List<String> command;

    public ProcessStartException(String tag, List<String> command, String cause, Throwable throwable) {
        super("cannot start process '" + tag + "' " + command + ": " + cause, throwable);
        this.tag = tag;
        this.command = List.copyOf(command);
    }

    /** The tag the process was to be registered under. */
    public String tag() {
        return tag;
    }

    /** The command (executable and arguments) that failed to start. */
    public List<String> command() {
        return command;
    }
}
