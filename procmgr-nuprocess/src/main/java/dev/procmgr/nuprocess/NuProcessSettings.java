package dev.procmgr.nuprocess;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where NuProcess's global system properties are set. NuProcess reads them once,
 * in static initializers, so they are set before this backend first touches a NuProcess class.
 * A value the user set on the command line always wins.
 *
 * <ul>
 *   <li>{@code com.zaxxer.nuprocess.enableShutdownHook=false}: the core's shutdown hook stops
 *       every process with its own stop signal and timeout; NuProcess's would SIGTERM them all
 *       at once behind its back.</li>
 *   <li>{@code com.zaxxer.nuprocess.threads}: the number of NuProcess I/O (epoll) threads; half
 *       the cores, at least 1 and at most {@value #MAX_IO_THREADS}, whatever the machine, so the
 *       backend keeps a small, fixed number of threads.</li>
 *   <li>{@code com.zaxxer.nuprocess.deadPoolPollMs}: NuProcess polls {@code waitpid} at this
 *       interval for a child whose pipes closed before it exited. With the pidfd exit watch
 *       exits never wait for it; without (no pidfd), it is lowered to NuProcess's minimum,
 *       100 ms.</li>
 * </ul>
 */
final class NuProcessSettings {

    static final String SHUTDOWN_HOOK = "com.zaxxer.nuprocess.enableShutdownHook";
    static final String THREADS = "com.zaxxer.nuprocess.threads";
    static final String DEAD_POOL_POLL_MS = "com.zaxxer.nuprocess.deadPoolPollMs";
    static final int MAX_IO_THREADS = 4;

    private static final Logger log = LoggerFactory.getLogger(NuProcessSettings.class);
    private static boolean applied;

    private NuProcessSettings() {
    }

    /** Sets the properties once per JVM, before NuProcess's classes initialize. */
    static synchronized void apply(boolean pidfdExitWatch) {
        if (applied) {
            return;
        }
        applied = true;
        setIfAbsent(SHUTDOWN_HOOK, "false");
        int threads = Math.min(MAX_IO_THREADS, Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
        setIfAbsent(THREADS, Integer.toString(threads));
        if (!pidfdExitWatch) {
            setIfAbsent(DEAD_POOL_POLL_MS, "100");
        }
        log.debug("NuProcess settings: {}={}, {}={}, {}={}", SHUTDOWN_HOOK, System.getProperty(SHUTDOWN_HOOK),
                THREADS, System.getProperty(THREADS), DEAD_POOL_POLL_MS, System.getProperty(DEAD_POOL_POLL_MS, "250"));
    }

    /** The number of NuProcess I/O threads in effect (after {@link #apply}). */
    static int ioThreads() {
        String value = System.getProperty(THREADS, "auto");
        int cores = Runtime.getRuntime().availableProcessors();
        switch (value) {
            case "auto":
                return Math.max(1, cores / 2);
            case "cores":
                return cores;
            default:
                try {
                    return Math.max(1, Integer.parseInt(value));
                } catch (NumberFormatException e) {
                    return Math.max(1, cores / 2);
                }
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
