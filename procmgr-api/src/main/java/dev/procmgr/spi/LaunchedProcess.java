package dev.procmgr.spi;

import dev.procmgr.api.ExitStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * One OS process started by a {@link ProcessLauncher}. The core owns supervision, tree killing
 * and timeouts; this is only the handle.
 */
public interface LaunchedProcess {

    /** The OS pid. */
    long pid();

    /**
     * Whether the child really leads its own session and process group (pgid == pid). False
     * when the request did not ask for it or the platform could not do it; the core then falls
     * back to signalling descendants one by one.
     */
    boolean sessionLeader();

    /**
     * Completes once with the raw exit (code or terminating signal) when the OS reports the
     * process ended. Completed on a backend thread: dependents must not block.
     */
    CompletableFuture<ExitStatus> onExit();

    /** Whether the process is alive (not yet exited). */
    boolean isAlive();

    /** Sends a signal to this pid only. Does nothing once the process has exited. */
    void signal(dev.procmgr.api.Signal signal);

    /**
     * Writes to the child's stdin pipe. The bytes are copied or fully written before return. Only
     * for {@link StdinSource.Pipe}.
     *
     * @throws IOException when the pipe is closed or broken
     */
    void writeStdin(ByteBuffer bytes) throws IOException;

    /** Closes the stdin pipe. Idempotent. */
    void closeStdin();
}
