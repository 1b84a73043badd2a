package dev.procmgr.nuprocess;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import dev.procmgr.linux.EpollLoop;
import dev.procmgr.linux.LibC;
import dev.procmgr.api.ExitStatus;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sees child exits at once: one pidfd per child ({@code pidfd_open}, Linux 5.3+), all in one
 * epoll set watched by one daemon thread, {@value #THREAD_NAME}, for any number of processes.
 * The exit status is read with {@code waitid(P_PIDFD, fd, WEXITED | WNOWAIT)}, which leaves the
 * zombie to whoever reaps it (NuProcess, or the process object itself), so nobody
 * {@code waitpid}s a pid that might have been reused.
 *
 * <p>One instance per JVM (see {@link #shared()}), like NuProcess's own I/O threads: the thread
 * starts with the first watched process and then stays, parked in {@code epoll_wait}.
 *
 * <p>Callbacks into the watched processes ({@link NuLaunchedProcess}, {@link UnpipedProcess}) run
 * on the watcher thread and never block.
 */
final class PidfdExitWatcher implements EpollLoop.Handler {

    static final String THREAD_NAME = "procmgr-nuprocess-exit-watch";

    /**
     * How long, after the exit, a process's onExit waits for its pipes to reach end of file
     * (so that its last output is in before the exit is reported). Only a grandchild that kept
     * the pipes open makes it wait this long.
     */
    static final long OUTPUT_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private static final Logger log = LoggerFactory.getLogger(PidfdExitWatcher.class);

    private final EpollLoop loop;
    private final Memory siginfo = LibC.newSiginfo(); // watcher thread only
    private final Map<Integer, Watched> watched = new ConcurrentHashMap<>();
    private final ArrayDeque<Grace> graces = new ArrayDeque<>(); // watcher thread only

    private volatile long gateFdBudget;

    /** A process whose exit this watcher reports; its callbacks run on the watcher thread and never block. */
    interface Watched {
        long pid();

        /**
         * The exit status, read while the child is still a zombie.
         *
         * @return true when the process's exit is complete, false when it waits for its output
         *     (then {@link #outputGraceExpired()} follows after {@link #OUTPUT_GRACE_NANOS})
         */
        boolean exitSeen(ExitStatus status);

        /** The child was reaped by someone else before its status could be read. */
        void exitReapedElsewhere();

        /** The output grace after {@link #exitSeen} returned false ran out. */
        void outputGraceExpired();
    }

    private PidfdExitWatcher() throws java.io.IOException {
        this.loop = EpollLoop.create(THREAD_NAME, this); // its thread starts with the first pidfd
        this.gateFdBudget = openFileLimit() * 3 / 4;
    }

    private static long openFileLimit() {
        Memory rlim = new Memory(16);
        if (LibC.getrlimit(LibC.RLIMIT_NOFILE, rlim) != 0) {
            return 1024;
        }
        long soft = rlim.getLong(0);
        return soft < 0 ? Long.MAX_VALUE / 8 : soft; // RLIM_INFINITY is all ones
    }

    /** The JVM's watcher, or empty with the reason logged once when this kernel has no pidfd. */
    static Optional<PidfdExitWatcher> shared() {
        return Holder.WATCHER;
    }

    /** Why there is no watcher, when there is none. */
    static Optional<String> unavailabilityCause() {
        return Holder.CAUSE;
    }

    /**
     * Watches a pidfd until its process exits; then closes it and tells the process.
     *
     * @return false when the pidfd could not be added (the caller still owns it)
     */
    boolean watch(int pidfd, Watched process) {
        watched.put(pidfd, process);
        if (!loop.add(pidfd)) {
            int errno = Native.getLastError();
            watched.remove(pidfd);
            log.warn("cannot watch pid {} for exit (epoll_ctl errno {})", process.pid(), errno);
            return false;
        }
        return true;
    }

    /**
     * Whether another process may get an exit gate without crowding out processes: each watched
     * process holds 4 descriptors with a gate (stdout, stderr, pidfd, gate) and 3 without. Gates
     * stop when the watched processes' descriptors would pass 3/4 of {@code RLIMIT_NOFILE}, so
     * that, at the limit, descriptors go to processes rather than to gates.
     */
    boolean roomForExitGate() {
        return (long) (watched.size() + 1) * 4 <= gateFdBudget;
    }

    /** Sets the descriptor budget for exit gates (tests: 0 turns gates off); returns the old one. */
    long gateFdBudget(long budget) {
        long old = gateFdBudget;
        gateFdBudget = budget;
        return old;
    }

    /** How many processes are being watched now. */
    int watchedCount() {
        return watched.size();
    }

    @Override
    public void ready(int[] fds, int count) {
        for (int i = 0; i < count; i++) {
            exited(fds[i]);
        }
        expireGraces();
    }

    @Override
    public int timeoutMillis() {
        Grace first = graces.peekFirst();
        if (first == null) {
            return -1;
        }
        long nanos = first.deadline - System.nanoTime();
        return nanos <= 0 ? 0 : (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999));
    }

    private void expireGraces() {
        long now = System.nanoTime();
        Grace first;
        while ((first = graces.peekFirst()) != null && now - first.deadline >= 0) {
            graces.removeFirst();
            first.process.outputGraceExpired();
        }
    }

    private void exited(int pidfd) {
        Watched process = watched.get(pidfd);
        if (process == null) {
            return;
        }
        siginfo.clear();
        int rc = LibC.waitid(LibC.P_PIDFD, pidfd, siginfo,
                LibC.WEXITED | LibC.WNOWAIT | LibC.WNOHANG);
        int errno = rc == 0 ? 0 : Native.getLastError();
        if (rc == 0 && siginfo.getInt(LibC.SIGINFO_PID) == 0) {
            return; // not exited yet: spurious wake-up, keep watching
        }
        loop.remove(pidfd);
        watched.remove(pidfd);
        LibC.close(pidfd);
        if (rc != 0) {
            if (errno != LibC.ECHILD) {
                log.warn("waitid on pid {} failed (errno {})", process.pid(), errno);
            }
            // ECHILD: reaped first by NuProcess (its onExit callback is on its way) or by someone else
            process.exitReapedElsewhere();
            return;
        }
        ExitStatus status = toExitStatus(siginfo.getInt(LibC.SIGINFO_CODE), siginfo.getInt(LibC.SIGINFO_STATUS));
        if (!process.exitSeen(status)) {
            graces.addLast(new Grace(process, System.nanoTime() + OUTPUT_GRACE_NANOS));
        }
    }

    static ExitStatus toExitStatus(int siCode, int siStatus) {
        if (siCode == LibC.CLD_KILLED || siCode == LibC.CLD_DUMPED) {
            return ExitStatus.killed(siStatus);
        }
        return ExitStatus.exited(siStatus & 0xff);
    }

    private record Grace(Watched process, long deadline) {
    }

    private static final class Holder {
        static final Optional<String> CAUSE;
        static final Optional<PidfdExitWatcher> WATCHER;

        static {
            String cause = probe();
            CAUSE = Optional.ofNullable(cause);
            Optional<PidfdExitWatcher> watcher = Optional.empty();
            if (cause == null) {
                try {
                    watcher = Optional.of(new PidfdExitWatcher());
                } catch (java.io.IOException e) {
                    cause = e.getMessage();
                }
            }
            WATCHER = watcher;
            if (WATCHER.isEmpty()) {
                log.info("pidfd exit watch unavailable ({}); NuProcess's waitpid polling reports exits", cause);
            }
        }

        /** Null when pidfd_open and waitid(P_PIDFD) work here, else why not. */
        private static String probe() {
            if (!com.sun.jna.Platform.isLinux()) {
                return "not Linux";
            }
            try {
                int self = (int) ProcessHandle.current().pid();
                int fd = LibC.pidfdOpen(self);
                if (fd < 0) {
                    return "pidfd_open failed, errno " + Native.getLastError() + " (Linux 5.3+ needed)";
                }
                try {
                    Memory info = LibC.newSiginfo();
                    int rc = LibC.waitid(LibC.P_PIDFD, fd, info,
                            LibC.WEXITED | LibC.WNOWAIT | LibC.WNOHANG);
                    int errno = rc == 0 ? 0 : Native.getLastError();
                    // our own pid is no child of ours: ECHILD means P_PIDFD is understood
                    if (rc == 0 || errno != LibC.ECHILD) {
                        return "waitid(P_PIDFD) unsupported, errno " + errno + " (Linux 5.4+ needed)";
                    }
                    return null;
                } finally {
                    LibC.close(fd);
                }
            } catch (Throwable t) {
                return "JNA cannot call libc: " + t;
            }
        }
    }
}
