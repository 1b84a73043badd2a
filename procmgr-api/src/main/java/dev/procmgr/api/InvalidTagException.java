package dev.procmgr.api;

/**
 * Thrown when a tag is null, empty, longer than {@value #MAX_LENGTH} characters, or contains a
 * character outside {@code [A-Za-z0-9._:@-]}. Checked before anything is started.
 */
public class InvalidTagException extends ProcmgrException {
    private static final long serialVersionUID = 1L;

    /** The longest tag accepted. */
    public static final int MAX_LENGTH = 128;

    public InvalidTagException(String message) {
        super(message);
    }
}
