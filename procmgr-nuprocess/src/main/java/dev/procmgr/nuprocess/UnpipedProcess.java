package dev.procmgr.nuprocess;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.Signal;
import dev.procmgr.linux.LibC;
import dev.procmgr.spi.LaunchedProcess;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A child with no pipes at all: stdin, stdout and stderr on {@code /dev/null}, started by
 * {@code posix_spawn} and never handed to NuProcess, whose pipes, buffers and I/O-thread trip
 * would only carry bytes that are dropped. Its exit is seen by the {@link PidfdExitWatcher}, and
 * this class reaps it: nothing else knows the pid, so nothing else waits for it.
 *
 * <p>Signals and the reap are serialized on this object, so a signal is never sent to a pid that
 * has been reaped (and might have been reused).
 *
 * <p>Where the pidfd cannot be watched (no descriptor left for it), a small daemon thread waits
 * for the exit instead.
 */
final class UnpipedProcess implements LaunchedProcess, PidfdExitWatcher.Watched {

    private static final Logger log = LoggerFactory.getLogger(UnpipedProcess.class);

    private final int pid;
    private final List<String> command;
    private final boolean sessionLeader;
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private boolean reaped; // guarded by this

    private UnpipedProcess(int pid, List<String> command, boolean sessionLeader) {
        this.pid = pid;
        this.command = List.copyOf(command);
        this.sessionLeader = sessionLeader;
    }

    /**
     * Watches a freshly spawned child (not yet reaped by anyone, so its pid is still its own).
     */
    static UnpipedProcess watch(int pid, List<String> command, boolean sessionLeader, PidfdExitWatcher watcher) {
        UnpipedProcess p = new UnpipedProcess(pid, command, sessionLeader);
        int pidfd = LibC.pidfdOpen(pid);
        if (pidfd < 0 || !watcher.watch(pidfd, p)) {
            if (pidfd >= 0) {
                LibC.close(pidfd);
            }
            p.waitOnOwnThread();
        }
        return p;
    }

    // ---------------------------------------------------------------- LaunchedProcess

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public boolean sessionLeader() {
        return sessionLeader;
    }

    @Override
    public CompletableFuture<ExitStatus> onExit() {
        return exit.copy();
    }

    @Override
    public boolean isAlive() {
        return !exit.isDone();
    }

    @Override
    public synchronized void signal(Signal signal) {
        if (reaped) {
            return;
        }
        Kill.send(pid, signal);
    }

    @Override
    public void writeStdin(ByteBuffer bytes) throws IOException {
        throw new IOException("stdin of pid " + pid + " is not a pipe");
    }

    @Override
    public void closeStdin() {
        // stdin is /dev/null: nothing to close
    }

    // ---------------------------------------------------------------- exit (watcher thread)

    @Override
    public boolean exitSeen(ExitStatus status) {
        reap();
        exit.complete(status);
        return true;
    }

    @Override
    public void exitReapedElsewhere() {
        // only a JVM that ignores SIGCHLD (the kernel then reaps by itself) or code that waits
        // for any child gets here: the status is gone
        reap();
        log.warn("exit status of pid {} {} lost (reaped outside procmgr); reporting exit 255", pid, command);
        exit.complete(ExitStatus.exited(255));
    }

    @Override
    public void outputGraceExpired() {
        // no output: exitSeen always completes
    }

    private synchronized void reap() {
        if (!reaped) {
            LibC.waitid(LibC.P_PID, pid, LibC.newSiginfo(), LibC.WEXITED | LibC.WNOHANG);
            reaped = true;
        }
    }

    /** A child waited for by a thread of its own (what {@link #watch} falls back to; for tests). */
    static UnpipedProcess waitedOnOwnThread(int pid, List<String> command, boolean sessionLeader) {
        UnpipedProcess p = new UnpipedProcess(pid, command, sessionLeader);
        p.waitOnOwnThread();
        return p;
    }

    /** Without the watcher: a thread blocked in waitid, which leaves the zombie until reap(). */
    private void waitOnOwnThread() {
        Thread t = new Thread(null, () -> {
            Memory info = LibC.newSiginfo();
            int rc;
            do {
                info.clear();
                rc = LibC.waitid(LibC.P_PID, pid, info, LibC.WEXITED | LibC.WNOWAIT);
            } while (rc != 0 && Native.getLastError() == LibC.EINTR);
            if (rc != 0) {
                exitReapedElsewhere();
            } else {
                exitSeen(PidfdExitWatcher.toExitStatus(info.getInt(LibC.SIGINFO_CODE), info.getInt(LibC.SIGINFO_STATUS)));
            }
        }, "procmgr-nuprocess-wait-" + pid, 64 * 1024);
        t.setDaemon(true);
        t.start();
    }

    @Override
    public String toString() {
        return "UnpipedProcess[pid=" + pid + ", command=" + command + "]";
    }
}
