package com.zaxxer.nuprocess.linux;

import com.zaxxer.nuprocess.NuProcessHandler;
import com.zaxxer.nuprocess.internal.LibC;
import java.io.IOException;

/**
 * procmgr's hook into NuProcess (this class lives in NuProcess's package because
 * {@link LinuxProcess}'s constructor is package-private): a {@link LinuxProcess} that is started
 * by a caller-supplied spawner (procmgr's {@code posix_spawn} with {@code POSIX_SPAWN_SETSID})
 * instead of NuProcess's call into the JDK's internal {@code forkAndExec} in VFORK mode. Every
 * other step is NuProcess's own, in {@link LinuxProcess#start}'s order: pipes, buffers,
 * registration with an epoll processor, {@code onStart}, then reading.
 *
 * <p>Not part of NuProcess; written against NuProcess 3.0.0.
 */
public final class ProcmgrLinuxProcess extends LinuxProcess {

    /** Starts the child with these pipe ends as its stdin, stdout and stderr; returns its pid. */
    @FunctionalInterface
    public interface Spawner {
        int spawn(int stdinFd, int stdoutFd, int stderrFd) throws IOException;
    }

    public ProcmgrLinuxProcess(NuProcessHandler handler) {
        super(handler);
    }

    /**
     * Starts the process with the spawner. On failure nothing is left open and the handler hears
     * nothing (neither onStart nor onExit).
     *
     * @throws IOException from the spawner, with the OS's reason
     */
    public void startWith(Spawner spawner) throws IOException {
        callPreStart();
        createPipes();
        try {
            pid = spawner.spawn(stdinWidow, stdoutWidow, stderrWidow);
        } catch (IOException | RuntimeException | Error e) {
            closeChildEnds();
            stdin.close();
            stdout.close();
            stderr.close();
            throw e;
        }
        closeChildEnds();
        initializeBuffers();
        afterStart();
        synchronized (LinProcessFactory.class) {
            // as NuProcess's own start: register before onStart (so onStart may wantWrite), read after
            registerProcess();
            callStart();
            myProcessor.queueRead(this);
        }
    }

    private void closeChildEnds() {
        LibC.close(stdinWidow);
        LibC.close(stdoutWidow);
        LibC.close(stderrWidow);
    }
}
