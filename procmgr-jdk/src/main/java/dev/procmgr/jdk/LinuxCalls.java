package dev.procmgr.jdk;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The libc calls of {@link ChildWatcher}, by JNA direct mapping. Loaded on first use only, so the
 * backend's classes load anywhere; every call preserves {@code errno} for
 * {@link Native#getLastError()}.
 */
final class LinuxCalls {
    static final int SYS_PIDFD_OPEN = 434; // the same number on every Linux architecture
    static final int EPOLL_CLOEXEC = 0x80000;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLLIN = 0x1;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    static final int F_SETFL = 4;
    /** {@code struct epoll_event} is packed on x86-64 only. */
    static final int EPOLL_EVENT_SIZE = Platform.isIntel() && Platform.is64Bit() ? 12 : 16;
    static final int EPOLL_EVENT_DATA = Platform.isIntel() && Platform.is64Bit() ? 4 : 8;

    static {
        Native.register(LinuxCalls.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private LinuxCalls() {
    }

    /** glibc's {@code syscall(2)} with two arguments. */
    static native long syscall(long number, long arg1, long arg2);

    static native int epoll_create1(int flags);

    /** {@code event}: the struct as ints, {@code events} first and {@code data.fd} at {@link #EPOLL_EVENT_DATA}. */
    static native int epoll_ctl(int epfd, int op, int fd, int[] event);

    static native int epoll_wait(int epfd, Pointer events, int maxevents, int timeout);

    static native int close(int fd);

    static native int pipe2(int[] fds, int flags);

    static native int fcntl(int fd, int cmd, int arg);

    static native long read(int fd, Pointer buf, long count);

    /** {@code pidfd_open(pid, 0)}: a pidfd, or -1 with errno set. */
    static int pidfdOpen(long pid) {
        return (int) syscall(SYS_PIDFD_OPEN, pid, 0);
    }
}
