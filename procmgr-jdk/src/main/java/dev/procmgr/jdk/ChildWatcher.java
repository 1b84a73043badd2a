package dev.procmgr.jdk;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import dev.procmgr.linux.EpollLoop;
import dev.procmgr.linux.LibC;
import dev.procmgr.spi.OutputSink;
import java.io.File;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches every JDK child of this JVM from one daemon thread, {@value #THREAD_NAME}, on one epoll
 * set: a pidfd per child ({@code pidfd_open}, Linux 5.3+) for its exit, and the read end of each
 * captured output pipe.
 *
 * <p><b>Exits.</b> The JDK completes {@link Process#onExit()} with {@code handleAsync} on the
 * common ForkJoinPool, and where that pool has a single worker (two cores or fewer) on a new
 * thread per exit; that thread start was most of this backend's exit latency (p99 9-12 ms) and of
 * its time to stop a thousand processes. Here an exit costs an epoll wake-up. The JDK's reaper
 * thread still reaps the child (it waits on the pid from the start): the pidfd becomes readable
 * at the same moment, and the watcher waits briefly, on the process's own condition, until the
 * reaper has recorded the exit code. A completed exit therefore always means a reaped child.
 *
 * <p><b>Output.</b> Instead of the JDK's pipe and a blocking pump thread per stream (3,000
 * threads for 1,000 captured processes), the backend makes the pipe itself and hands the child
 * its write end through {@code /proc/self/fd} (a redirect to a file, which opens a fresh, blocking
 * description of the same pipe). The watcher reads the non-blocking read end when epoll says so
 * and writes into the sink on this thread; sinks never block (see {@link OutputSink}).
 */
final class ChildWatcher implements EpollLoop.Handler {
    static final String THREAD_NAME = "procmgr-jdk-watch";
    private static final Logger LOG = LoggerFactory.getLogger(ChildWatcher.class);
    /** Whether a pipe end can be handed to a child as a path (Linux with /proc mounted). */
    private static final boolean PROC_FD = new File("/proc/self/fd").isDirectory();
    private static final int READ_SIZE = 64 * 1024;
    /** Reads per readiness event, so that one chatty child cannot starve the others. */
    private static final int READS_PER_EVENT = 4;
    /** How long one exit may hold the watcher while the reaper records it; later ones are polled. */
    private static final long REAPER_WAIT_MICROS = 2_000;

    private final EpollLoop loop;
    private final Map<Integer, Object> watched = new ConcurrentHashMap<>(); // fd -> Exit or Pump
    private final List<Exit> unrecorded = new ArrayList<>(); // watcher thread only
    private final Memory readBuffer = new Memory(READ_SIZE); // watcher thread only

    private record Exit(Process process, CompletableFuture<Process> done) {
    }

    private record Pump(int fd, OutputSink sink) {
    }

    /** A pipe for one output stream: the child gets {@link #childEnd()}, the watcher reads the other end. */
    static final class Pipe {
        private final int readFd;
        private final int writeFd;

        private Pipe(int readFd, int writeFd) {
            this.readFd = readFd;
            this.writeFd = writeFd;
        }

        /** The write end as a path, for {@code ProcessBuilder.Redirect.appendTo}. */
        File childEnd() {
            return new File("/proc/self/fd/" + writeFd);
        }

        /** After the launch, successful or not: the child has its own description now. */
        void closeParentEnd() {
            LibC.close(writeFd);
        }

        /** The launch failed: nothing will be read. */
        void discard() {
            LibC.close(readFd);
        }
    }

    private ChildWatcher() throws java.io.IOException {
        this.loop = EpollLoop.create(THREAD_NAME, this); // its thread starts with the first descriptor
    }

    /** The JVM's watcher, or empty (logged once) where pidfd or epoll is missing. */
    static Optional<ChildWatcher> shared() {
        return Holder.WATCHER;
    }

    /**
     * The process's exit: through the watcher when it can take the process, else the JDK's own
     * {@link Process#onExit()}. Completes after the child was reaped.
     */
    static CompletableFuture<Process> onExit(Optional<ChildWatcher> watcher, Process process) {
        return watcher.flatMap(w -> w.watchExit(process)).orElseGet(process::onExit);
    }

    /** Empty when the process cannot be watched (no pidfd: already reaped, or out of descriptors). */
    Optional<CompletableFuture<Process>> watchExit(Process process) {
        int fd = LibC.pidfdOpen(process.pid());
        if (fd < 0) {
            // ESRCH: the reaper was faster and the code is (about to be) recorded; EMFILE: at the
            // descriptor limit, the JDK's thread per exit is the way left
            return Optional.empty();
        }
        Exit e = new Exit(process, new CompletableFuture<>());
        return add(fd, e) ? Optional.of(e.done) : Optional.empty();
    }

    /**
     * A new pipe for one stream, or empty (the caller pipes the JDK's way) at the descriptor
     * limit or where the child cannot be handed its end (no {@code /proc/self/fd}).
     */
    Optional<Pipe> newPipe() {
        if (!PROC_FD) {
            return Optional.empty();
        }
        int[] fds = new int[2];
        if (LibC.pipe2(fds, LibC.O_CLOEXEC) != 0) {
            return Optional.empty();
        }
        // only our read end is non-blocking: the child's end is a description of its own
        if (LibC.fcntl(fds[0], LibC.F_SETFL, LibC.O_NONBLOCK) != 0) {
            LibC.close(fds[0]);
            LibC.close(fds[1]);
            return Optional.empty();
        }
        return Optional.of(new Pipe(fds[0], fds[1]));
    }

    /** Starts reading a pipe whose child is running; the sink is closed at end of file. */
    void pump(Pipe pipe, OutputSink sink) {
        if (!add(pipe.readFd, new Pump(pipe.readFd, sink))) {
            // cannot happen short of a kernel out of memory; the child would block on a full pipe
            LibC.close(pipe.readFd);
            LOG.error("cannot watch an output pipe (epoll_ctl errno {}); its output is lost", Native.getLastError());
            sink.close();
        }
    }

    private boolean add(int fd, Object what) {
        watched.put(fd, what);
        if (!loop.add(fd)) {
            watched.remove(fd);
            if (what instanceof Exit) {
                LibC.close(fd);
            }
            return false;
        }
        return true;
    }

    @Override
    public int timeoutMillis() {
        return unrecorded.isEmpty() ? -1 : 1;
    }

    @Override
    public void ready(int[] fds, int count) throws InterruptedException {
        // output first: an exit completes only after its output, so let it be read
        List<Exit> exits = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Object what = watched.get(fds[i]);
            if (what instanceof Pump p) {
                read(p);
            } else if (what instanceof Exit e) {
                forget(fds[i]);
                LibC.close(fds[i]);
                exits.add(e);
            }
        }
        for (Exit e : exits) {
            exited(e);
        }
        recordLate();
    }

    private void forget(int fd) {
        watched.remove(fd);
        loop.remove(fd);
    }

    private void read(Pump p) {
        for (int i = 0; i < READS_PER_EVENT; i++) {
            long got = LibC.read(p.fd, readBuffer, READ_SIZE);
            if (got > 0) {
                try {
                    p.sink.write(readBuffer.getByteBuffer(0, got));
                } catch (RuntimeException e) {
                    LOG.warn("output sink threw; bytes dropped", e);
                }
                continue;
            }
            if (got < 0) {
                int errno = Native.getLastError();
                if (errno == LibC.EAGAIN || errno == LibC.EINTR) {
                    return; // drained for now; epoll says when there is more
                }
                LOG.warn("reading an output pipe failed (errno {}); closing it", errno);
            }
            // end of file (or a broken pipe): every writer is gone
            forget(p.fd);
            LibC.close(p.fd);
            try {
                p.sink.close();
            } catch (RuntimeException e) {
                LOG.warn("output sink threw on close", e);
            }
            return;
        }
    }

    private void exited(Exit e) throws InterruptedException {
        // the reaper woke with us; it records the code within microseconds unless starved
        if (e.process.waitFor(REAPER_WAIT_MICROS, TimeUnit.MICROSECONDS)) {
            e.done.complete(e.process);
        } else {
            unrecorded.add(e);
        }
    }

    private void recordLate() {
        for (Iterator<Exit> it = unrecorded.iterator(); it.hasNext(); ) {
            Exit e = it.next();
            if (!e.process.isAlive()) {
                it.remove();
                e.done.complete(e.process);
            }
        }
    }

    private static final class Holder {
        static final Optional<ChildWatcher> WATCHER = create();

        private static Optional<ChildWatcher> create() {
            String cause = null;
            ChildWatcher watcher = null;
            try {
                if (!com.sun.jna.Platform.isLinux()) {
                    cause = "not Linux";
                } else {
                    int fd = LibC.pidfdOpen(ProcessHandle.current().pid());
                    if (fd < 0) {
                        cause = "pidfd_open failed, errno " + Native.getLastError() + " (Linux 5.3+ needed)";
                    } else {
                        LibC.close(fd);
                        watcher = new ChildWatcher();
                    }
                }
            } catch (Throwable t) { // IOException from epoll_create1, LinkageError where JNA cannot bind libc
                cause = t instanceof java.io.IOException ? t.getMessage() : "JNA cannot call libc: " + t;
            }
            if (cause != null) {
                LOG.info("pidfd/epoll child watch unavailable ({}); a thread per exit and per piped stream instead", cause);
                return Optional.empty();
            }
            return Optional.of(watcher);
        }
    }
}
