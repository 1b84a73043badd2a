package dev.procmgr.nuprocess;

import com.sun.jna.Native;
import dev.procmgr.api.Signal;
import dev.procmgr.linux.LibC;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** kill(2) for this backend's children (JNA: NuProcess itself sends only TERM and KILL). */
final class Kill {
    private static final Logger log = LoggerFactory.getLogger(Kill.class);

    private Kill() {
    }

    /**
     * Sends the signal; a process already gone (ESRCH) is fine, any other failure is logged. The
     * caller makes sure the pid is still its child's (not reaped).
     */
    static void send(int pid, Signal signal) {
        if (LibC.kill(pid, signal.number()) != 0) {
            int errno = Native.getLastError();
            if (errno != LibC.ESRCH) {
                log.warn("kill({}, {}) failed, errno {}", pid, signal, errno);
            }
        }
    }
}
