package dev.procmgr.api;

/**
 * Base of every exception procmgr throws on purpose. Unchecked: a caller that cannot handle a
 * failed start or a duplicate tag lets it propagate, a caller that can catches the subtype.
 * Messages name the tag, the command and the cause, so they can be shown to a user as they are.
 */
public class ProcmgrException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ProcmgrException(String message) {
        super(message);
    }

    public ProcmgrException(String message, Throwable cause) {
        super(message, cause);
    }
}
