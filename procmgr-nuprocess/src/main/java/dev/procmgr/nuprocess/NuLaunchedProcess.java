package dev.procmgr.nuprocess;

import com.sun.jna.Native;
import com.zaxxer.nuprocess.NuAbstractProcessHandler;
import com.zaxxer.nuprocess.NuProcess;
import com.zaxxer.nuprocess.internal.BasePosixProcess;
import com.zaxxer.nuprocess.internal.ReferenceCountedFileDescriptor;
import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.Signal;
import dev.procmgr.linux.LibC;
import dev.procmgr.spi.LaunchedProcess;
import dev.procmgr.spi.OutputSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process started by NuProcess, and its NuProcess handler.
 *
 * <h2>Threads</h2>
 * Output is handed to the sinks on the NuProcess I/O thread the process is bound to (one per
 * process, so calls for one stream are in order); stdin is fed on that thread too. The exit is
 * seen on the {@link PidfdExitWatcher} thread. Nothing here blocks either thread: no lock is held
 * across a sink call, and stdin writes only queue.
 *
 * <h2>Exit</h2>
 * With the pidfd exit watch, the exact status (code or signal) comes from {@code waitid}. Until
 * it has been read, this handle holds an extra write end of the child's stderr pipe (the
 * <em>exit gate</em>, opened through {@code /proc/self/fd}), so NuProcess cannot see end of file
 * on both pipes and reap the child before the watcher has read its status. Once the status is
 * read, the gate closes, NuProcess drains the pipes to end of file, the sinks close, and
 * {@link #onExit()} completes, after the last output. A grandchild that keeps the pipes open
 * delays the completion by {@link PidfdExitWatcher#OUTPUT_GRACE_NANOS} at most; the child is then
 * reaped here (see {@link #outputGraceExpired()}), and its sinks close when the pipes do.
 *
 * <p>Without a gate (past the descriptor budget, see {@link PidfdExitWatcher#roomForExitGate()})
 * or without a pidfd (old kernel), the status is read with {@code waitid(WNOWAIT | WNOHANG)} on
 * the I/O thread at the last end of file, just before NuProcess's own {@code waitpid} there. A
 * child that is not yet a zombie at that instant but is at NuProcess's call is left to
 * NuProcess's report, which gives a signal death as the bare signal number: it then reads as that
 * exit code. Without a pidfd, an exit whose pipes closed first is also seen only at NuProcess's
 * next dead-pool poll.
 *
 * <h2>Stdin</h2>
 * {@link #writeStdin} copies the bytes into a queue bounded at {@value #STDIN_QUEUE_BYTES} bytes,
 * which the I/O thread drains when the pipe has room. A writer that finds the queue full waits
 * for room for at most {@value #STDIN_WAIT_SECONDS} s, then gets an {@link IOException}.
 */
final class NuLaunchedProcess extends NuAbstractProcessHandler implements LaunchedProcess, PidfdExitWatcher.Watched {

    static final int STDIN_QUEUE_BYTES = 1 << 20;
    static final long STDIN_WAIT_SECONDS = 30;
    private static final int STDIN_CHUNK = 64 * 1024;

    private static final Logger log = LoggerFactory.getLogger(NuLaunchedProcess.class);
    private static final AtomicBoolean GATE_WARNED = new AtomicBoolean();
    private static final AtomicBoolean PIDFD_WARNED = new AtomicBoolean();

    private final List<String> command;
    private final OutputSink out;
    private final OutputSink err;
    private final boolean merged;
    private final boolean stdinPipe;
    private final boolean sessionLeader;
    private final Optional<PidfdExitWatcher> watcher;
    /** Both streams discarded: nothing to deliver, so the exit need not wait for end of file. */
    private final boolean nothingToDeliver;

    private volatile NuProcess nuProcess;
    private volatile int pid;
    private volatile boolean started;

    private final AtomicInteger gate = new AtomicInteger(-1); // the exit gate's fd, -1 when none or closed
    private final AtomicReference<ExitStatus> status = new AtomicReference<>();
    /** Exit status known, stdout at EOF, stderr at EOF. */
    private final AtomicInteger pending = new AtomicInteger(3);
    private final AtomicInteger openStreams = new AtomicInteger(2);
    private final AtomicBoolean stdoutEof = new AtomicBoolean();
    private final AtomicBoolean stderrEof = new AtomicBoolean();
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();

    private final ConcurrentLinkedQueue<ByteBuffer> stdinQueue = new ConcurrentLinkedQueue<>();
    private final Semaphore stdinRoom = new Semaphore(STDIN_QUEUE_BYTES);
    private final AtomicBoolean stdinBroken = new AtomicBoolean();
    private final AtomicBoolean stdinCloseSent = new AtomicBoolean();
    private volatile boolean stdinClosing;

    NuLaunchedProcess(List<String> command, OutputSink out, OutputSink err, boolean merged, boolean stdinPipe,
                      boolean sessionLeader, Optional<PidfdExitWatcher> watcher) {
        this.command = List.copyOf(command);
        this.out = out;
        this.err = err;
        this.merged = merged;
        this.stdinPipe = stdinPipe;
        this.sessionLeader = sessionLeader;
        this.watcher = watcher;
        this.nothingToDeliver = out == NuProcessLauncher.DISCARD && err == NuProcessLauncher.DISCARD;
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
        return started && status.get() == null && !exit.isDone();
    }

    @Override
    public void signal(Signal signal) {
        // The zombie is not reaped before the watcher has read its status, so while isAlive()
        // the pid cannot have been reused.
        if (!isAlive()) {
            return;
        }
        Kill.send(pid, signal);
    }

    @Override
    public void writeStdin(ByteBuffer bytes) throws IOException {
        if (!stdinPipe) {
            throw new IOException("stdin of pid " + pid + " is not a pipe");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STDIN_WAIT_SECONDS);
        while (bytes.hasRemaining()) {
            checkStdinOpen();
            int n = Math.min(bytes.remaining(), STDIN_CHUNK);
            boolean room;
            try {
                room = stdinRoom.tryAcquire(n, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted writing to stdin of pid " + pid, e);
            }
            if (!room) {
                throw new IOException("stdin of pid " + pid + " " + command + " not read for " + STDIN_WAIT_SECONDS
                        + " s: " + STDIN_QUEUE_BYTES + " bytes queued");
            }
            if (stdinBroken.get()) {
                stdinRoom.release(n);
                checkStdinOpen();
            }
            ByteBuffer copy = ByteBuffer.allocate(n);
            ByteBuffer slice = bytes.slice();
            slice.limit(n);
            copy.put(slice).flip();
            bytes.position(bytes.position() + n);
            stdinQueue.add(copy);
            try {
                nuProcess.wantWrite();
            } catch (IllegalStateException e) {
                markStdinBroken();
                throw new IOException("stdin of pid " + pid + " is closed", e);
            }
        }
    }

    @Override
    public void closeStdin() {
        if (!stdinPipe || stdinClosing) {
            return;
        }
        stdinClosing = true;
        if (stdinQueue.isEmpty()) {
            sendStdinClose();
        }
    }

    // ---------------------------------------------------------------- NuProcess handler (I/O thread)

    @Override
    public void onStart(NuProcess process) {
        // Called on the launching thread, before NuProcess reads the pipes: the child cannot be
        // reaped yet, so a pidfd opened here is the child's even if it has already exited.
        nuProcess = process;
        pid = process.getPID();
        started = true;
        if (!stdinPipe) {
            process.closeStdin(true);
        }
        watcher.ifPresent(this::watchExit);
    }

    private void watchExit(PidfdExitWatcher w) {
        int pidfd = LibC.pidfdOpen(pid);
        if (pidfd < 0) {
            int errno = Native.getLastError();
            if (PIDFD_WARNED.compareAndSet(false, true)) {
                log.warn("pidfd_open failed (errno {}) for pid {}; NuProcess reports this exit (logged once)", errno, pid);
            }
            return;
        }
        if (w.roomForExitGate()) {
            openGate();
        }
        if (!w.watch(pidfd, this)) {
            LibC.close(pidfd);
            closeGate();
        }
    }

    /** Holds the child's stderr pipe open until the exit status is read (see the class comment). */
    private void openGate() {
        if (!(nuProcess instanceof BasePosixProcess)) {
            return;
        }
        ReferenceCountedFileDescriptor stderr = ((BasePosixProcess) nuProcess).getStderr();
        try {
            int fd = stderr.acquire();
            if (fd < 0) {
                return;
            }
            int g = LibC.open("/proc/self/fd/" + fd, LibC.O_WRONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
            if (g < 0) {
                int errno = Native.getLastError();
                if (GATE_WARNED.compareAndSet(false, true)) {
                    log.warn("cannot hold pid {}'s stderr pipe open (errno {}): a signal death seen after NuProcess"
                            + " reaped may read as an exit code (logged once)", pid, errno);
                }
                return;
            }
            gate.set(g);
        } finally {
            stderr.release();
        }
    }

    private void closeGate() {
        int g = gate.getAndSet(-1);
        if (g >= 0) {
            LibC.close(g);
        }
    }

    @Override
    public void onStdout(ByteBuffer buffer, boolean closed) {
        deliver(out, buffer);
        if (closed && stdoutEof.compareAndSet(false, true)) {
            streamEnded(out);
        }
    }

    @Override
    public void onStderr(ByteBuffer buffer, boolean closed) {
        deliver(err, buffer);
        if (closed && stderrEof.compareAndSet(false, true)) {
            streamEnded(err);
        }
    }

    private void deliver(OutputSink sink, ByteBuffer buffer) {
        if (!buffer.hasRemaining()) {
            return;
        }
        int limit = buffer.limit();
        try {
            sink.write(buffer);
        } catch (RuntimeException e) {
            log.warn("output sink of pid {} threw; bytes dropped", pid, e);
        } finally {
            // NuProcess keeps what is not consumed; everything was handed over
            buffer.limit(limit);
            buffer.position(limit);
        }
    }

    private void streamEnded(OutputSink sink) {
        int open = openStreams.decrementAndGet();
        if (!merged || open == 0) {
            try {
                sink.close();
            } catch (RuntimeException e) {
                log.warn("output sink of pid {} threw on close", pid, e);
            }
        }
        if (open == 0) {
            readStatusBeforeNuProcessReaps();
        }
        if (pending.decrementAndGet() == 0 && !started) {
            exit.complete(status.get());
        }
        // else, with everything in, NuProcess reaps the zombie right after this last end of file and
        // then calls onExit, which completes: an exit is reported only once its pid is reaped, so a
        // stopper that finds the process group empty knows the whole group is gone
    }

    /**
     * Without an exit gate, NuProcess reaps the child right after this (the last end of file) on
     * this same thread: read the exact status first if the child is already a zombie. Only a
     * child that becomes a zombie in the instant between the two calls is left to NuProcess's
     * report (a signal death then reads as an exit code).
     */
    private void readStatusBeforeNuProcessReaps() {
        if (!started || gate.get() >= 0 || status.get() != null || !com.sun.jna.Platform.isLinux()) {
            return;
        }
        com.sun.jna.Memory info = LibC.newSiginfo();
        info.clear();
        int rc = LibC.waitid(LibC.P_PID, pid, info, LibC.WEXITED | LibC.WNOWAIT | LibC.WNOHANG);
        if (rc == 0 && info.getInt(LibC.SIGINFO_PID) == pid) {
            ExitStatus s = PidfdExitWatcher.toExitStatus(info.getInt(LibC.SIGINFO_CODE),
                    info.getInt(LibC.SIGINFO_STATUS));
            if (status.compareAndSet(null, s)) {
                arrive();
            }
        }
    }

    @Override
    public boolean onStdinReady(ByteBuffer buffer) {
        int taken = 0;
        ByteBuffer head;
        while (buffer.hasRemaining() && (head = stdinQueue.peek()) != null) {
            int n = Math.min(head.remaining(), buffer.remaining());
            ByteBuffer slice = head.slice();
            slice.limit(n);
            buffer.put(slice);
            head.position(head.position() + n);
            taken += n;
            if (!head.hasRemaining()) {
                stdinQueue.poll();
            }
        }
        buffer.flip();
        if (taken > 0) {
            stdinRoom.release(taken);
        }
        boolean more = !stdinQueue.isEmpty();
        if (!more && stdinClosing) {
            sendStdinClose(); // NuProcess writes this buffer first, then closes
        }
        return more;
    }

    @Override
    public void onExit(int exitCode) {
        if (!started) {
            return; // launch failed; NuProcessLauncher reports it
        }
        closeGate();
        markStdinBroken();
        // Integer.MAX_VALUE: NuProcess's waitpid found no child (ECHILD). That is expected when the
        // output grace ran out under load and the watcher reaped the child after reading its
        // status; only when no status was read is it lost
        ExitStatus fromNuProcess = fromNuProcessCode(exitCode);
        if (status.compareAndSet(null, fromNuProcess)) {
            if (exitCode != Integer.MIN_VALUE && (exitCode < 0 || exitCode > 255)) {
                log.warn("exit status of pid {} {} lost (NuProcess reports {}); reporting exit 255", pid, command, exitCode);
            }
            arrive();
        }
        // NuProcess has flushed and ended both streams before this call
        exit.complete(status.get());
    }

    // ---------------------------------------------------------------- exit watch (watcher thread)

    /**
     * The watcher read the exit status. Returns true when onExit is complete, false when it
     * waits for the pipes to reach end of file.
     */
    @Override
    public boolean exitSeen(ExitStatus exitStatus) {
        boolean first = status.compareAndSet(null, exitStatus);
        if (first && nothingToDeliver && reapNow()) {
            exit.complete(exitStatus); // no output to wait for: no trip through NuProcess's I/O thread
            return true;
        }
        // the status arrives before the gate closes, so the last end of file comes after it, on the
        // I/O thread, and the exit is completed there once NuProcess has reaped the child
        boolean complete = first ? arrive() : exit.isDone();
        closeGate();
        return complete;
    }

    /**
     * Reaps the child here, while the exit gate still keeps NuProcess from doing it (it cannot
     * see end of file on stderr yet); NuProcess is first told the process is gone, so that at end
     * of file it reports exit 0 (ignored) instead of calling waitpid on a pid that may be reused.
     *
     * @return false without a gate (NuProcess may be reaping at this moment): nothing done
     */
    private boolean reapNow() {
        if (gate.get() < 0 || !(nuProcess instanceof BasePosixProcess)) {
            return false;
        }
        ((BasePosixProcess) nuProcess).cleanlyExitedBeforeProcess.set(true);
        LibC.waitid(LibC.P_PID, pid, LibC.newSiginfo(), LibC.WEXITED | LibC.WNOHANG);
        closeGate();
        return true;
    }

    /** NuProcess reaped the child before the watcher could read it; NuProcess's onExit follows. */
    @Override
    public void exitReapedElsewhere() {
        closeGate();
    }

    /**
     * The pipes stayed open after the exit (a descendant holds them): report the exit now, and
     * reap the zombie, which NuProcess would leave until the pipes close. NuProcess is first told
     * the process is gone ({@code cleanlyExitedBeforeProcess}), so at end of file it reports
     * exit 0 (ignored here) instead of calling {@code waitpid} on a pid that may have been reused
     * by then.
     */
    @Override
    public void outputGraceExpired() {
        ExitStatus s = status.get();
        if (s != null && !exit.isDone()) {
            log.debug("pid {} exited but its output pipes are still open (held by a descendant)", pid);
            if (nuProcess instanceof BasePosixProcess) {
                ((BasePosixProcess) nuProcess).cleanlyExitedBeforeProcess.set(true);
                com.sun.jna.Memory info = LibC.newSiginfo();
                LibC.waitid(LibC.P_PID, pid, info, LibC.WEXITED | LibC.WNOHANG);
            }
            exit.complete(s); // reaped first, as on every other path
        }
    }

    // ---------------------------------------------------------------- helpers

    boolean started() {
        return started;
    }

    /** Launch failed: the sinks will never get bytes. */
    void launchFailed() {
        if (stdoutEof.compareAndSet(false, true)) {
            streamEnded(out);
        }
        if (stderrEof.compareAndSet(false, true)) {
            streamEnded(err);
        }
    }

    private boolean arrive() {
        if (pending.decrementAndGet() == 0) {
            exit.complete(status.get());
            return true;
        }
        return false;
    }

    private static ExitStatus fromNuProcessCode(int code) {
        if (code == Integer.MIN_VALUE) {
            return ExitStatus.exited(127); // NuProcess's word for exit code 127
        }
        if (code < 0 || code > 255) {
            return ExitStatus.exited(255); // no status: see onExit
        }
        return ExitStatus.exited(code);
    }

    private void checkStdinOpen() throws IOException {
        if (stdinClosing || stdinBroken.get()) {
            throw new IOException("stdin of pid " + pid + " is closed");
        }
    }

    private void sendStdinClose() {
        if (stdinCloseSent.compareAndSet(false, true)) {
            try {
                nuProcess.closeStdin(false);
            } catch (IllegalStateException e) {
                // already closed by NuProcess (the child exited)
            }
        }
    }

    private void markStdinBroken() {
        if (stdinBroken.compareAndSet(false, true)) {
            stdinQueue.clear();
            stdinRoom.release(1 << 30); // wake every waiting writer; they see stdinBroken
        }
    }

    @Override
    public String toString() {
        return "NuLaunchedProcess[pid=" + pid + ", command=" + command + "]";
    }
}
