package dev.procmgr.linux;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The libc calls procmgr's backends make themselves, by JNA direct mapping, in one place. Loaded
 * on first use (never from a static initializer of a public API class), so code that refers to
 * it loads anywhere; where libc cannot be bound the first call throws a {@link LinkageError}.
 * Every call preserves {@code errno} for {@link Native#getLastError()}.
 *
 * <p>Internal to procmgr: not an API, and it may change with any release.
 */
public final class LibC {

    public static final int SYS_PIDFD_OPEN = 434; // the same number on every Linux architecture

    public static final int P_PID = 1;
    public static final int P_PIDFD = 3;
    public static final int WNOHANG = 0x1;
    public static final int WEXITED = 0x4;
    public static final int WNOWAIT = 0x01000000;
    public static final int CLD_EXITED = 1;
    public static final int CLD_KILLED = 2;
    public static final int CLD_DUMPED = 3;

    public static final int RLIMIT_NOFILE = 7;

    public static final int O_WRONLY = 0x1;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;
    public static final int F_SETFL = 4;

    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;

    public static final int SIG_SETMASK = 2;
    public static final int SIGPIPE = 13;
    /** At least {@code sizeof(sigset_t)} on every platform. */
    public static final int SIGSET_SIZE = 128;
    /** At least {@code sizeof(struct sigaction)} on every platform. */
    public static final int SIGACTION_SIZE = 256;

    /** {@code sizeof(siginfo_t)}, and where its fields are. */
    public static final int SIGINFO_SIZE = 128;
    public static final int SIGINFO_CODE = 8;
    public static final int SIGINFO_PID = 16;
    public static final int SIGINFO_STATUS = 24;

    static {
        Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private LibC() {
    }

    public static native int kill(int pid, int sig);

    /** glibc's {@code syscall(2)}, called with two arguments; no vector registers involved. */
    public static native long syscall(long number, long arg1, long arg2);

    public static native int waitid(int idtype, int id, Pointer infop, int options);

    public static native int open(String path, int flags);

    public static native int close(int fd);

    public static native int pipe2(int[] fds, int flags);

    public static native int fcntl(int fd, int cmd, int arg);

    public static native long read(int fd, Pointer buf, long count);

    public static native int pthread_sigmask(int how, Pointer set, Pointer oldset);

    public static native int sigaction(int signum, Pointer act, Pointer oldact);

    /** {@code struct rlimit}: two {@code rlim_t} (64-bit on every 64-bit Linux). */
    public static native int getrlimit(int resource, Pointer rlim);

    static native int epoll_create1(int flags);

    /** {@code event}: the struct as ints, {@code events} first and {@code data.fd} at {@link Epoll#EVENT_DATA}. */
    static native int epoll_ctl(int epfd, int op, int fd, int[] event);

    static native int epoll_wait(int epfd, Pointer events, int maxevents, int timeout);

    /** {@code pidfd_open(pid, 0)}: a pidfd, or -1 with errno set. */
    public static int pidfdOpen(long pid) {
        return (int) syscall(SYS_PIDFD_OPEN, pid, 0);
    }

    /** A fresh {@code siginfo_t}. */
    public static Memory newSiginfo() {
        return new Memory(SIGINFO_SIZE);
    }
}
