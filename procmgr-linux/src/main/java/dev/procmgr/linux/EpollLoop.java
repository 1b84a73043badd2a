package dev.procmgr.linux;

import com.sun.jna.Native;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link Epoll} set and the one daemon thread that waits on it, started with the first
 * descriptor and then kept for the life of the JVM. Each wait's ready descriptors go to the
 * handler on that thread; a failed wait is retried, and whatever the handler throws is logged and
 * the loop goes on, since one process must not stop the watch of all others.
 *
 * <p>Internal to procmgr: not an API, and it may change with any release.
 */
public final class EpollLoop {

    /** What the loop's thread does with what it finds; called on that thread only. */
    public interface Handler {
        /** How long the next wait may last: milliseconds, or -1 until a descriptor is ready. */
        int timeoutMillis();

        /** The descriptors one wait found readable ({@code count} may be 0 after a timeout). */
        void ready(int[] fds, int count) throws Exception;
    }

    private static final Logger LOG = LoggerFactory.getLogger(EpollLoop.class);
    private static final int MAX_EVENTS = 64;

    private final Epoll epoll;
    private final String threadName;
    private final Handler handler;
    private Thread thread; // guarded by this

    private EpollLoop(Epoll epoll, String threadName, Handler handler) {
        this.epoll = epoll;
        this.threadName = threadName;
        this.handler = handler;
    }

    /**
     * A loop on a new epoll set; its thread starts at the first {@link #add}.
     *
     * @throws IOException with the errno when the kernel refuses an epoll set
     * @throws LinkageError where libc cannot be bound
     */
    public static EpollLoop create(String threadName, Handler handler) throws IOException {
        return new EpollLoop(Epoll.create(), threadName, handler);
    }

    /** Watches {@code fd} for readability. @return false, errno set, when it cannot be added */
    public boolean add(int fd) {
        ensureThread();
        return epoll.add(fd);
    }

    /** Stops watching {@code fd} (before it is closed, or while it stays open). */
    public void remove(int fd) {
        epoll.remove(fd);
    }

    private synchronized void ensureThread() {
        if (thread == null) {
            thread = new Thread(this::loop, threadName);
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void loop() {
        int[] ready = new int[MAX_EVENTS];
        while (true) {
            try {
                int n = epoll.await(ready, handler.timeoutMillis());
                if (n < 0) {
                    int errno = Native.getLastError();
                    if (errno != LibC.EINTR) {
                        LOG.error("{}: epoll_wait failed (errno {}); retrying", threadName, errno);
                        Thread.sleep(10);
                    }
                    continue;
                }
                handler.ready(ready, n);
            } catch (Throwable t) { // keep watching whatever one process did
                LOG.error("{}: error; continuing", threadName, t);
            }
        }
    }
}
