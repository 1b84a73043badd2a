package dev.procmgr.api;

/**
 * Thrown when a {@link ProcessSpec}, {@link RestartPolicy} or {@link OutputSpec} is built from
 * values that can never work: an empty executable, a NUL byte in an argument, an environment
 * name containing {@code =}, a negative duration. Thrown by the builder, before anything starts.
 */
public class InvalidSpecException extends ProcmgrException {
    private static final long serialVersionUID = 1L;

    public InvalidSpecException(String message) {
        super(message);
    }
}
