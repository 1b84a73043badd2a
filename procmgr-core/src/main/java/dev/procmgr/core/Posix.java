package dev.procmgr.core;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import dev.procmgr.api.Signal;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kill(2) through JNA: the JDK can send only TERM and KILL, and only to one pid; stopping a tree
 * needs any signal to a whole process group. Loaded lazily; where it cannot load, {@link #get()}
 * is empty and the core falls back to {@link ProcessHandle} (TERM/KILL, pid by pid).
 */
final class Posix implements TreeStopper.Signals {
    private static final Logger LOG = LoggerFactory.getLogger(Posix.class);
    private static final int ESRCH = 3;

    /**
     * kill(2), bound by JNA's direct mapping: an interface mapping goes through a proxy and
     * reflection on every call, which was a quarter of the stopper's time when a thousand
     * processes are stopped at once.
     */
    private static final class CLib {
        static native int kill(int pid, int sig);

        static void bind() {
            Native.register(CLib.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        }
    }

    private Posix() {
    }

    /** The process-wide instance, or empty where libc cannot be loaded (logged once). */
    static Optional<Posix> get() {
        return Holder.INSTANCE;
    }

    /** Sends a signal to a process group. @return false when the group no longer exists */
    @Override
    public boolean killGroup(long pgid, Signal signal) {
        return kill(-pgid, signal.number());
    }

    /** Sends a signal to one pid. @return false when no such process exists */
    @Override
    public boolean killPid(long pid, Signal signal) {
        return kill(pid, signal.number());
    }

    @Override
    public boolean groupExists(long pgid) {
        return kill(-pgid, 0);
    }

    private boolean kill(long target, int sig) {
        if (target == 0 || target == -1 || target == 1) {
            // 0 and -1 address our own group or every process: never a managed process
            throw new IllegalArgumentException("refusing to signal " + target);
        }
        int r = CLib.kill((int) target, sig);
        if (r == 0) {
            return true;
        }
        int errno = Native.getLastError();
        if (errno != ESRCH) {
            LOG.debug("kill({}, {}) failed: errno {}", target, sig, errno);
        }
        return false;
    }

    private static final class Holder {
        static final Optional<Posix> INSTANCE = load();

        private static Optional<Posix> load() {
            try {
                CLib.bind();
                return Optional.of(new Posix());
            } catch (Throwable t) {
                LoggerFactory.getLogger(Posix.class).warn("libc kill(2) unavailable ({}); stopping falls back to "
                        + "ProcessHandle: TERM/KILL only, pid by pid, no process groups", t.toString());
                return Optional.empty();
            }
        }
    }
}
