package dev.procmgr.core;

import java.util.List;

/**
 * Told of every OS process the manager launches and of the moment the manager lets go of it,
 * so that something outside the JVM can clean up after a host that died without running its
 * shutdown hook: the guardian process, and the state file a supervisor sweeps on its next start.
 *
 * <p>Calls come from procmgr threads, possibly concurrently; implementations are thread-safe and
 * never block for long (no waiting on other processes). They never throw: a tracker that fails
 * logs once and goes on without tracking.
 */
interface LaunchTracker extends AutoCloseable {

    /**
     * A process was launched.
     *
     * @param tag its tag
     * @param pid its pid
     * @param groupLeader true when it leads its own process group (pgid == pid): clean up the
     *     whole group; false: only the pid
     * @param command its argv (for matching after a restart of the host; never the environment)
     */
    void launched(String tag, long pid, boolean groupLeader, List<String> command);

    /**
     * The manager let go of the process launched with this pid: it was stopped, or it was
     * replaced by a restart after its group was killed. It must never be signalled again.
     */
    void released(long pid);

    /**
     * The manager is closing cleanly, after stopping everything: stop tracking without
     * killing anything. Idempotent.
     */
    @Override
    void close();

    /** A tracker that tracks nothing. */
    LaunchTracker NONE = new LaunchTracker() {
        @Override
        public void launched(String tag, long pid, boolean groupLeader, List<String> command) {
        }

        @Override
        public void released(long pid) {
        }

        @Override
        public void close() {
        }
    };
}
