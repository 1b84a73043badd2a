package dev.procmgr.api;

/** Thrown by {@link ProcessManager#create} after {@link ProcessManager#close()} has begun. */
public class ManagerClosedException extends ProcmgrException {
    private static final long serialVersionUID = 1L;

    public ManagerClosedException(String tag) {
        super("cannot create process '" + tag + "': the process manager is closed");
    }
}
