package dev.procmgr.api;

/**
 * Thrown by {@link ProcessManager#create} when the tag is already in use: by a live process,
 * by one that crashed or exited and was not stopped, or by a create of the same tag in progress
 * on another thread. No process is started for the caller that gets it.
 */
public class DuplicateTagException extends ProcmgrException {
    private static final long serialVersionUID = 1L;
    private final String tag;

    public DuplicateTagException(String tag) {
        super("tag '" + tag + "' is already in use; stop() it before creating it again");
        this.tag = tag;
    }

    /** The tag that was asked for. */
    public String tag() {
        return tag;
    }
}
