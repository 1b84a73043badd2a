package dev.procmgr.api;

/**
 * The life cycle of a managed process, as supervisord names it.
 *
 * <pre>
 * STARTING -&gt; RUNNING -&gt; (EXITED | BACKOFF -&gt; STARTING ... -&gt; FATAL)
 * any -&gt; STOPPING -&gt; STOPPED
 * </pre>
 */
public enum ProcessState {
    /** Launched, not yet up for the spec's {@code startSeconds}. */
    STARTING,
    /** Up for at least {@code startSeconds}. */
    RUNNING,
    /** Exited; a restart is scheduled by the restart policy. */
    BACKOFF,
    /** {@code stop()} or {@code restart()} is signalling the process tree. */
    STOPPING,
    /** Stopped by request; the tag is free (or, during {@code restart()}, about to start again). */
    STOPPED,
    /** Exited and not restarted (policy or exit status); the tag stays in use until {@code stop()}. */
    EXITED,
    /** Failed more often in a row than the restart policy allows; the tag stays in use until {@code stop()}. */
    FATAL;

    /** True while an OS process may be alive in this state. */
    public boolean isLive() {
        return this == STARTING || this == RUNNING || this == STOPPING;
    }
}
