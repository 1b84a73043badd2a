package dev.procmgr.core;

import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.procmgr.spi.SessionSupport;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One small helper process per manager that kills what the manager launched when the JVM dies
 * without running its shutdown hook (SIGKILL, native crash, OOM killer).
 *
 * <p>The helper is {@code guardian.sh} run by {@code dash} where installed, else {@code /bin/sh}
 * (dash: about 1.7 MB of RSS; bash about twice that), in a session of its own (through {@code setsid} where present) so that a Ctrl-C or a
 * hangup aimed at the host's terminal does not reach it; it also ignores INT and HUP. Its stdin
 * is a pipe from this JVM, its stdout and stderr are {@code /dev/null}, its working directory is
 * {@code /}, and its environment holds only {@code PATH}. The JVM writes one line per event:
 *
 * <pre>
 *   +G &lt;pgid&gt; [&lt;start&gt;]   watch the process group led by pgid
 *   +P &lt;pid&gt; [&lt;start&gt;]    watch one process (and, at the end, its descendants)
 *   - &lt;pid&gt;               released: forget it, never signal it again
 *   exit                  clean close: forget everything, exit, kill nothing
 * </pre>
 *
 * <p>({@code start} is field 22 of {@code /proc/<pid>/stat}; the guardian reads it itself when
 * the line has none.) When the pipe reaches end of file without {@code exit}, which the kernel
 * does however the JVM died, the guardian sends TERM to every group and pid still registered, and
 * to their descendants that left the group (a daemon calling {@code setsid}), polls every 100 ms
 * until they are gone or the grace period has passed, sends KILL to what is left and exits. On
 * Linux it signals a pid or group only while {@code /proc} shows the registered process (same
 * start time), never a number that was reused.
 *
 * <p>The JVM's end of the pipe is marked close-on-exec, so that no child spawned without the
 * JDK's descriptor clean-up can hold it open (the guardian would then never see end of file).
 *
 * <p>Thread-safe. {@link #launched}/{@link #released} write one short line under a lock and
 * flush: the guardian reads continuously, so the pipe never fills and the call does not wait. If
 * the guardian died, they log once and do nothing. A release that arrives after a later launch got
 * the same (reused) pid does not drop the later process.
 */
final class Guardian implements LaunchTracker {
    private static final Logger LOG = LoggerFactory.getLogger(Guardian.class);

    /** Line that ends the script on stdin; what follows are commands. */
    private static final String SCRIPT_END = ":guardian-script-end";

    /**
     * The {@code sh -c} program: reads the script from stdin up to {@link #SCRIPT_END} and runs
     * it, so that the rest of stdin is the control pipe and {@code ps} shows a short line. The
     * {@code read} builtin reads a pipe byte by byte, so nothing after the script is consumed.
     * INT and HUP are ignored from the first instant.
     */
    private static final String BOOTSTRAP = "trap '' INT HUP; s=; while IFS= read -r l && [ \"$l\" != " + SCRIPT_END
            + " ]; do s=\"$s$l\n\"; done; eval \"$s\"";

    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    private final Process process;
    private final Object lock = new Object();
    private final OutputStream pipe; // guarded by lock
    private boolean closed; // guarded by lock
    private boolean broken; // guarded by lock
    /** Launches not yet released, per pid (normally 1; 2 while a reused pid's release is pending). */
    private final Map<Long, Integer> registrations = new HashMap<>(); // guarded by lock

    private Guardian(Process process, OutputStream pipe) {
        this.process = process;
        this.pipe = pipe;
    }

    /**
     * Starts the guardian.
     *
     * @param grace how long the guardian waits between TERM and KILL after the JVM died
     * @throws UncheckedIOException when the helper cannot be started (no {@code /bin/sh})
     */
    static Guardian start(Duration grace) {
        Objects.requireNonNull(grace, "grace is null");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace is negative: " + grace);
        }
        String script = script();
        List<String> argv = new ArrayList<>(6);
        SessionSupport.setsidBinary().ifPresent(p -> argv.add(p.toString()));
        argv.add(shell());
        argv.add("-c");
        argv.add(BOOTSTRAP);
        argv.add("procmgr-guardian");
        argv.add(Long.toString(Math.min(grace.toMillis(), Integer.MAX_VALUE)));
        ProcessBuilder pb = new ProcessBuilder(argv)
                .directory(new File("/"))
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> env = pb.environment();
        String path = env.getOrDefault("PATH", "/usr/bin:/bin");
        env.clear();
        env.put("PATH", path);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the procmgr guardian (" + argv.get(0) + ")", e);
        }
        OutputStream out = p.getOutputStream();
        try {
            out.write((script + "\n" + SCRIPT_END + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            p.destroyForcibly();
            throw new UncheckedIOException("the procmgr guardian died at start", e);
        }
        closeOnExec(p.pid());
        LOG.debug("guardian started: pid {}, grace {} ms", p.pid(), grace.toMillis());
        return new Guardian(p, out);
    }

    @Override
    public void launched(String tag, long pid, boolean groupLeader, List<String> command) {
        synchronized (lock) {
            registrations.merge(pid, 1, Integer::sum);
            send((groupLeader ? "+G " : "+P ") + pid + "\n");
        }
    }

    /**
     * Tells the guardian to forget the pid, unless a later launch got the same pid (reused after
     * the released process was reaped) and is still registered: the guardian's entry is then the
     * later process's, and it stays.
     */
    @Override
    public void released(long pid) {
        synchronized (lock) {
            Integer n = registrations.get(pid);
            if (n == null) {
                return;
            }
            if (n > 1) {
                registrations.put(pid, n - 1);
                return;
            }
            registrations.remove(pid);
            send("- " + pid + "\n");
        }
    }

    /** Ends the guardian without killing anything, waiting up to 2 s for it to exit. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (!broken) {
                    pipe.write("exit\n".getBytes(StandardCharsets.US_ASCII));
                    pipe.flush();
                }
            } catch (IOException e) {
                LOG.debug("guardian pid {} was gone at close: {}", process.pid(), e.toString());
            } finally {
                closeQuietly(pipe);
            }
        }
        try {
            if (!process.waitFor(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                // it read "exit" or will; TERM ends it without killing anything
                LOG.warn("guardian pid {} did not exit within {} ms of close; terminating it", process.pid(),
                        CLOSE_WAIT.toMillis());
                process.destroy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The guardian's pid (to tell it from managed processes, e.g. in descendants()). */
    long pid() {
        return process.pid();
    }

    /** The guardian process (tests: wait for it, read its RSS). */
    Process process() {
        return process;
    }

    /**
     * Registers a pid with a start time given by the caller instead of the one the guardian reads
     * from /proc. For tests of the pid-reuse guard.
     */
    void launched(long pid, boolean groupLeader, OptionalLong startTime) {
        synchronized (lock) {
            registrations.merge(pid, 1, Integer::sum);
        }
        send((groupLeader ? "+G " : "+P ") + pid + (startTime.isPresent() ? " " + startTime.getAsLong() : "") + "\n");
    }

    /**
     * Test hook: closes the pipe without {@code exit}, exactly as the kernel does when the JVM
     * dies. The guardian then kills what is registered.
     */
    void simulateHostDeath() {
        synchronized (lock) {
            closed = true;
            closeQuietly(pipe);
        }
    }

    private void send(String line) {
        synchronized (lock) {
            if (closed || broken) {
                return;
            }
            try {
                pipe.write(line.getBytes(StandardCharsets.US_ASCII));
                pipe.flush();
            } catch (IOException e) {
                broken = true;
                LOG.warn("guardian pid {} is gone ({}); processes of this manager are no longer guarded against "
                        + "the JVM being killed", process.pid(), e.toString());
            }
        }
    }

    private static void closeQuietly(OutputStream out) {
        try {
            out.close();
        } catch (IOException e) {
            // the guardian already gone: nothing to tell it
        }
    }

    /** dash where installed (small, fast), else the POSIX shell. */
    private static String shell() {
        for (String p : List.of("/bin/dash", "/usr/bin/dash")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return "/bin/sh";
    }

    private static String script() {
        try (InputStream in = Guardian.class.getResourceAsStream("guardian.sh")) {
            if (in == null) {
                throw new IllegalStateException("resource dev/procmgr/core/guardian.sh is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dev/procmgr/core/guardian.sh", e);
        }
    }

    /**
     * Marks this JVM's end of the pipe close-on-exec (Linux, best effort). The JDK closes every
     * descriptor above 2 in the children it spawns, but a child spawned another way (posix_spawn
     * or fork through JNA) would inherit the write end and keep the pipe open after the JVM died:
     * the guardian would never see end of file.
     */
    private static void closeOnExec(long guardianPid) {
        Path target = Path.of("/proc", Long.toString(guardianPid), "fd", "0");
        try {
            Path pipe = Files.readSymbolicLink(target);
            if (!pipe.toString().startsWith("pipe:")) {
                return;
            }
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
                for (Path fd : fds) {
                    Path link;
                    try {
                        link = Files.readSymbolicLink(fd);
                    } catch (IOException e) {
                        continue; // the directory stream's own descriptor, closed meanwhile
                    }
                    if (link.equals(pipe)) {
                        int n = Integer.parseInt(fd.getFileName().toString());
                        CLib c = Fcntl.LIB;
                        int flags = c.fcntl(n, F_GETFD, 0);
                        if (flags >= 0) {
                            c.fcntl(n, F_SETFD, flags | FD_CLOEXEC);
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException | LinkageError e) {
            LOG.debug("cannot mark the guardian pipe close-on-exec: {}", e.toString());
        }
    }

    private static final int F_GETFD = 1;
    private static final int F_SETFD = 2;
    private static final int FD_CLOEXEC = 1;

    /** fcntl(2) through JNA. */
    public interface CLib extends Library {
        int fcntl(int fd, int cmd, int arg);
    }

    /** Loads libc on first use (holder idiom); a failure surfaces as a LinkageError. */
    private static final class Fcntl {
        static final CLib LIB = Native.load("c", CLib.class);
    }
}
