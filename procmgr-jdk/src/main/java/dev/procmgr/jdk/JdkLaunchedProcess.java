package dev.procmgr.jdk;

import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.Signal;
import dev.procmgr.spi.LaunchedProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A {@link Process} seen through the SPI. */
final class JdkLaunchedProcess implements LaunchedProcess {
    private final Process process;
    private final boolean sessionLeader;
    private final CompletableFuture<ExitStatus> exit;

    JdkLaunchedProcess(Process process, boolean sessionLeader, Optional<ChildWatcher> watcher) {
        this.process = process;
        this.sessionLeader = sessionLeader;
        this.exit = ChildWatcher.onExit(watcher, process).thenApply(p -> decode(p.exitValue()));
    }

    /**
     * The JDK reports a death by signal N as 128 + N. A child that calls exit(128 + N) itself
     * cannot be told apart on this backend; procmgr reads such codes as signals.
     */
    static ExitStatus decode(int value) {
        if (value > 128 && value < 128 + 65) {
            return ExitStatus.killed(value - 128);
        }
        return ExitStatus.exited(value & 0xff);
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public boolean sessionLeader() {
        return sessionLeader;
    }

    @Override
    public CompletableFuture<ExitStatus> onExit() {
        return exit;
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void signal(Signal signal) {
        if (!process.isAlive()) {
            return;
        }
        switch (signal) {
            case TERM -> process.destroy();
            case KILL -> process.destroyForcibly();
            default -> {
                // the JDK sends only TERM and KILL; the shell's kill does the rest
                try {
                    new ProcessBuilder("kill", "-s", signal.name(), Long.toString(process.pid()))
                            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
                } catch (IOException e) {
                    throw new IllegalStateException("cannot send " + signal + " to pid " + process.pid() + ": " + e.getMessage(), e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @Override
    public void writeStdin(ByteBuffer bytes) throws IOException {
        OutputStream os = process.getOutputStream();
        byte[] b = new byte[bytes.remaining()];
        bytes.get(b);
        synchronized (os) {
            os.write(b);
            os.flush();
        }
    }

    @Override
    public void closeStdin() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // already closed or broken: the child sees end of file either way
        }
    }
}
