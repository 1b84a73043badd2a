package dev.procmgr.nuprocess;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.procmgr.linux.LibC;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes children start with the signal state a program expects: nothing blocked, nothing
 * ignored. Two things in the JVM get in the way when NuProcess starts a child:
 *
 * <ul>
 *   <li>NuProcess forks (VFORK mode) from the calling thread, so the child inherits that thread's
 *       signal mask, and HotSpot blocks SIGQUIT in every Java thread: a child would never die of
 *       SIGQUIT. {@link #launchWithCleanMask} empties the launching thread's mask around the
 *       fork and restores it after.</li>
 *   <li>NuProcess's {@code LinuxProcess} class sets SIGPIPE to {@code SIG_IGN} for the whole JVM
 *       when it initializes, and an ignored signal stays ignored across {@code exec}: every child
 *       (of any backend in this JVM) would get EPIPE instead of dying in a broken pipeline.
 *       {@link #initializeNuProcess()} initializes that class once and puts HotSpot's SIGPIPE
 *       handler back; HotSpot's handler ignores SIGPIPE too, so NuProcess's writes still get
 *       EPIPE, and an installed handler resets to the default in the child.</li>
 * </ul>
 *
 * <p>Neither helps with a signal the JVM itself inherited as ignored (SIGHUP under {@code nohup}):
 * NuProcess's fork path keeps it ignored in the child, as {@code ProcessBuilder} does; only the
 * {@code posix_spawn} path, which resets every disposition, starts children clean of it.
 */
final class ChildSignalState {

    private static final Logger log = LoggerFactory.getLogger(ChildSignalState.class);
    private static final String LINUX_PROCESS = "com.zaxxer.nuprocess.linux.LinuxProcess";

    private ChildSignalState() {
    }

    /** Initializes NuProcess's Linux process class, keeping the JVM's SIGPIPE disposition. Once per JVM. */
    static synchronized void initializeNuProcess() {
        Memory before = new Memory(LibC.SIGACTION_SIZE);
        before.clear();
        boolean saved = LibC.sigaction(LibC.SIGPIPE, Pointer.NULL, before) == 0;
        try {
            Class.forName(LINUX_PROCESS, true, ChildSignalState.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("NuProcess is not on the class path", e);
        }
        if (!saved) {
            log.warn("cannot read the SIGPIPE disposition (errno {}); children may start with SIGPIPE ignored",
                    Native.getLastError());
            return;
        }
        if (before.getLong(0) == 1L) { // SIG_IGN already: NuProcess was initialized before us
            log.info("SIGPIPE was already ignored in this JVM; children start with SIGPIPE ignored");
            return;
        }
        if (LibC.sigaction(LibC.SIGPIPE, before, Pointer.NULL) != 0) {
            log.warn("cannot restore the SIGPIPE disposition (errno {}); children start with SIGPIPE ignored",
                    Native.getLastError());
        }
    }

    /** Runs the launch with an empty signal mask on this thread, so the child inherits none. */
    static void launchWithCleanMask(Runnable launch) {
        Memory empty = new Memory(LibC.SIGSET_SIZE);
        empty.clear();
        Memory old = new Memory(LibC.SIGSET_SIZE);
        if (LibC.pthread_sigmask(LibC.SIG_SETMASK, empty, old) != 0) {
            launch.run(); // cannot change it: launch anyway, with the inherited mask
            return;
        }
        try {
            launch.run();
        } finally {
            LibC.pthread_sigmask(LibC.SIG_SETMASK, old, Pointer.NULL);
        }
    }
}
