package dev.procmgr.linux;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.io.IOException;

/**
 * One epoll set for readability (pidfds that turn readable at their process's exit, pipe read
 * ends), waited on by one thread ({@link EpollLoop}). Descriptors are identified by themselves:
 * what is registered under a descriptor is the caller's business.
 */
final class Epoll {

    private static final int EPOLL_CLOEXEC = 0x80000;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    private static final int EPOLLIN = 0x1;
    /** {@code struct epoll_event} is packed on x86-64 only. */
    private static final int EVENT_SIZE = Platform.isIntel() && Platform.is64Bit() ? 12 : 16;
    static final int EVENT_DATA = Platform.isIntel() && Platform.is64Bit() ? 4 : 8;
    private static final int MAX_EVENTS = 64;

    private final int epfd;
    private final Memory events = new Memory((long) EVENT_SIZE * MAX_EVENTS); // the waiting thread's

    private Epoll(int epfd) {
        this.epfd = epfd;
    }

    /**
     * A new epoll set (close-on-exec); it lives as long as the JVM.
     *
     * @throws IOException with the errno when the kernel refuses one
     * @throws LinkageError where libc cannot be bound
     */
    static Epoll create() throws IOException {
        int fd = LibC.epoll_create1(EPOLL_CLOEXEC);
        if (fd < 0) {
            throw new IOException("epoll_create1 failed, errno " + Native.getLastError());
        }
        return new Epoll(fd);
    }

    /** Watches {@code fd} for readability. @return false, errno set, when it cannot be added */
    boolean add(int fd) {
        // struct epoll_event as ints on the stack of the call (no native allocation per descriptor)
        int[] event = new int[EVENT_SIZE / Integer.BYTES];
        event[0] = EPOLLIN;
        event[EVENT_DATA / Integer.BYTES] = fd;
        return LibC.epoll_ctl(epfd, EPOLL_CTL_ADD, fd, event) == 0;
    }

    /** Stops watching {@code fd} (before it is closed, or while it stays open). */
    void remove(int fd) {
        LibC.epoll_ctl(epfd, EPOLL_CTL_DEL, fd, null);
    }

    /**
     * Waits for readable descriptors; only ever called from one thread.
     *
     * @param ready filled with the readable descriptors
     * @param timeoutMillis -1 for no timeout
     * @return how many were filled in, or -1 with errno set (EINTR: call again)
     */
    int await(int[] ready, int timeoutMillis) {
        int n = LibC.epoll_wait(epfd, events, Math.min(ready.length, MAX_EVENTS), timeoutMillis);
        for (int i = 0; i < n; i++) {
            ready[i] = events.getInt((long) i * EVENT_SIZE + EVENT_DATA);
        }
        return n;
    }
}
