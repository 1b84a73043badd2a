package dev.procmgr.cli;

/**
 * A failure to report to the user as a one-line message and an exit code; never shown with a
 * stack trace.
 */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
