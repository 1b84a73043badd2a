package dev.procmgr.nuprocess;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The few libc calls this backend makes itself, by JNA direct mapping. Loaded on first use only
 * (never from a static initializer of a public class), so the backend's classes load anywhere.
 * Every call preserves {@code errno} for {@link Native#getLastError()}.
 */
final class LinuxLibC {

    static final int SYS_PIDFD_OPEN = 434; // the same number on every Linux architecture

    static final int P_PID = 1;
    static final int P_PIDFD = 3;
    static final int RLIMIT_NOFILE = 7;
    static final int WNOHANG = 0x1;
    static final int WEXITED = 0x4;
    static final int WNOWAIT = 0x01000000;
    static final int CLD_EXITED = 1;
    static final int CLD_KILLED = 2;
    static final int CLD_DUMPED = 3;

    static final int EPOLL_CLOEXEC = 0x80000;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLLIN = 0x1;

    static final int O_WRONLY = 0x1;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;

    static final int EINTR = 4;
    static final int ECHILD = 10;
    static final int ESRCH = 3;

    static final int SIG_SETMASK = 2;
    static final int SIGPIPE = 13;
    /** At least {@code sizeof(sigset_t)} and {@code sizeof(struct sigaction)} on every platform. */
    static final int SIGSET_SIZE = 128;
    static final int SIGACTION_SIZE = 256;

    /** {@code sizeof(siginfo_t)}. */
    static final int SIGINFO_SIZE = 128;
    static final int SIGINFO_CODE = 8;
    static final int SIGINFO_PID = 16;
    static final int SIGINFO_STATUS = 24;

    /** {@code struct epoll_event} is packed on x86-64 only. */
    static final int EPOLL_EVENT_SIZE = Platform.isIntel() && Platform.is64Bit() ? 12 : 16;
    static final int EPOLL_EVENT_DATA = Platform.isIntel() && Platform.is64Bit() ? 4 : 8;

    static {
        Native.register(LinuxLibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private LinuxLibC() {
    }

    static native int kill(int pid, int sig);

    /** glibc's {@code syscall(2)}, called with two arguments; no vector registers involved. */
    static native long syscall(long number, long arg1, long arg2);

    static native int waitid(int idtype, int id, Pointer infop, int options);

    static native int epoll_create1(int flags);

    static native int epoll_ctl(int epfd, int op, int fd, Pointer event);

    static native int epoll_wait(int epfd, Pointer events, int maxevents, int timeout);

    static native int open(String path, int flags);

    static native int pthread_sigmask(int how, Pointer set, Pointer oldset);

    static native int sigaction(int signum, Pointer act, Pointer oldact);

    static native int close(int fd);

    /** {@code struct rlimit}: two {@code rlim_t} (64-bit on every 64-bit Linux). */
    static native int getrlimit(int resource, Pointer rlim);

    /**
     * Sends the signal; a process already gone (ESRCH) is fine, any other failure is logged. The
     * caller makes sure the pid is still its child's (not reaped).
     */
    static void sendSignal(int pid, dev.procmgr.api.Signal signal) {
        if (kill(pid, signal.number()) != 0) {
            int errno = Native.getLastError();
            if (errno != ESRCH) {
                org.slf4j.LoggerFactory.getLogger(LinuxLibC.class).warn("kill({}, {}) failed, errno {}", pid, signal, errno);
            }
        }
    }

    /** {@code pidfd_open(pid, 0)}: a pidfd, or -1 with errno set. */
    static int pidfdOpen(int pid) {
        return (int) syscall(SYS_PIDFD_OPEN, pid, 0);
    }

    /** A fresh {@code siginfo_t}. */
    static Memory newSiginfo() {
        return new Memory(SIGINFO_SIZE);
    }
}
