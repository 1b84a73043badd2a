package dev.procmgr.api;

/**
 * Told of every state change of a managed process. Added on the manager (all processes) or on a
 * spec (one process). Called on procmgr's listener thread, never on a backend I/O thread, one
 * event at a time in the order the changes happened. A listener that throws is logged and
 * skipped; it does not affect the process or other listeners. Keep it short: a slow listener
 * delays the events of other processes (not their processes).
 */
@FunctionalInterface
public interface ProcessListener {
    /**
     * @param from the process as it was before the change
     * @param to the process as it is after the change
     */
    void onStateChange(ProcessInfo from, ProcessInfo to);
}
