package dev.procmgr.jdk;

import dev.procmgr.spi.LaunchRequest;
import dev.procmgr.spi.LaunchedProcess;
import dev.procmgr.spi.ProcessLauncher;
import dev.procmgr.spi.SessionSupport;
import dev.procmgr.spi.StdinSource;
import dev.procmgr.spi.StreamTarget;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The backend on the JDK's {@link ProcessBuilder}. Discard, inherit and append-to-file are done
 * by the kernel (no thread); piped streams and exits are watched by one {@link ChildWatcher}
 * thread for all processes (where pidfd and epoll are missing: a pumping thread per piped stream
 * and the JDK's thread per exit); the JDK's reaper thread reaps each child. A new session comes
 * from the util-linux {@code setsid} prefix, whose exec keeps the pid.
 *
 * <p>Public only so that {@link java.util.ServiceLoader} can build it; use it through
 * {@code ProcessManagers} or {@link JdkBackendModule}.
 */
public final class JdkProcessLauncher implements ProcessLauncher {
    private static final File DEV_NULL = new File("/dev/null");

    static {
        // Loaded now rather than at first use: the pipe fallback below runs when this process is
        // out of descriptors, and then the class loader cannot open a class file either, which
        // would surface as a NoClassDefFoundError instead of a start failure naming its cause.
        loaded(StreamTarget.Discard.class, StreamTarget.Inherit.class, StreamTarget.AppendFile.class,
                StdinSource.Inherit.class, StdinSource.FromFile.class, StdinSource.Pipe.class);
    }
    /** Pumps copy bytes and nothing else: a small stack keeps many of them cheap. */
    private static final long PUMP_STACK = 128 * 1024;

    /**
     * Looked up at the first launch: ServiceLoader builds every backend on the class path, and
     * only the one chosen should probe pidfd and open an epoll set.
     */
    private final Supplier<Optional<ChildWatcher>> watcher;
    private final HostEnvironment hostEnvironment = new HostEnvironment();

    /** Made by ServiceLoader or Guice. */
    public JdkProcessLauncher() {
        this.watcher = ChildWatcher::shared;
    }

    /** With the given watcher; empty: the JDK's own way (tests of the fallback). */
    JdkProcessLauncher(Optional<ChildWatcher> watcher) {
        this.watcher = () -> watcher;
    }

    private Optional<ChildWatcher> watcher() {
        return watcher.get();
    }

    @Override
    public String name() {
        return "jdk";
    }

    @Override
    public Optional<String> unavailabilityCause() {
        return DEV_NULL.exists() ? Optional.empty() : Optional.of("no /dev/null: not a POSIX system");
    }

    @Override
    public boolean supportsRedirects() {
        return true;
    }

    @Override
    public LaunchedProcess launch(LaunchRequest request) throws IOException {
        boolean session = request.newSession() && SessionSupport.setsidBinary().isPresent();
        List<String> argv = session ? SessionSupport.withSetsid(request.command()) : request.command();
        ProcessBuilder pb = new ProcessBuilder(argv).directory(request.directory().toFile());
        if (!hostEnvironment.isHost(request.environment())) {
            // only when it differs: handing the JDK an environment costs a conversion per launch
            pb.environment().clear();
            pb.environment().putAll(request.environment());
        }
        pb.redirectInput(input(request.stdin()));
        Optional<ChildWatcher.Pipe> outPipe = pipeFor(request.stdout());
        Optional<ChildWatcher.Pipe> errPipe = request.mergeStderr() ? Optional.empty() : pipeFor(request.stderr());
        pb.redirectOutput(outPipe.map(p -> ProcessBuilder.Redirect.appendTo(p.childEnd())).orElseGet(() -> output(request.stdout())));
        if (request.mergeStderr()) {
            pb.redirectErrorStream(true);
        } else {
            pb.redirectError(errPipe.map(p -> ProcessBuilder.Redirect.appendTo(p.childEnd())).orElseGet(() -> output(request.stderr())));
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException | RuntimeException e) {
            outPipe.ifPresent(ChildWatcher.Pipe::discard);
            errPipe.ifPresent(ChildWatcher.Pipe::discard);
            throw e;
        } finally {
            outPipe.ifPresent(ChildWatcher.Pipe::closeParentEnd);
            errPipe.ifPresent(ChildWatcher.Pipe::closeParentEnd);
        }
        connect(request.stdout(), outPipe, p.getInputStream(), p.pid(), "out");
        if (!request.mergeStderr()) {
            connect(request.stderr(), errPipe, p.getErrorStream(), p.pid(), "err");
        }
        return new JdkLaunchedProcess(p, session, watcher());
    }

    /** A watcher pipe for a piped stream, when the watcher is there and has descriptors. */
    private Optional<ChildWatcher.Pipe> pipeFor(StreamTarget target) {
        if (!(target instanceof StreamTarget.Pipe)) {
            return Optional.empty();
        }
        return watcher().flatMap(ChildWatcher::newPipe);
    }

    private void connect(StreamTarget target, Optional<ChildWatcher.Pipe> pipe, InputStream jdkStream, long pid,
                         String which) {
        if (target instanceof StreamTarget.Pipe sink) {
            if (pipe.isPresent()) {
                watcher().orElseThrow().pump(pipe.get(), sink.sink());
            } else {
                pump(jdkStream, sink, pid, which);
            }
        }
    }

    private static ProcessBuilder.Redirect input(StdinSource s) {
        if (s instanceof StdinSource.Null) {
            return ProcessBuilder.Redirect.from(DEV_NULL);
        }
        if (s instanceof StdinSource.Inherit) {
            return ProcessBuilder.Redirect.INHERIT;
        }
        if (s instanceof StdinSource.FromFile f) {
            return ProcessBuilder.Redirect.from(f.path().toFile());
        }
        return ProcessBuilder.Redirect.PIPE;
    }

    private static ProcessBuilder.Redirect output(StreamTarget t) {
        if (t instanceof StreamTarget.Discard) {
            return ProcessBuilder.Redirect.DISCARD;
        }
        if (t instanceof StreamTarget.Inherit) {
            return ProcessBuilder.Redirect.INHERIT;
        }
        if (t instanceof StreamTarget.AppendFile f) {
            return ProcessBuilder.Redirect.appendTo(f.path().toFile());
        }
        return ProcessBuilder.Redirect.PIPE;
    }

    private static void loaded(Class<?>... classes) {
        // the class literals at the call site did the work
    }

    /** The fallback without a watcher: a small blocking thread per stream. */
    private static void pump(InputStream in, StreamTarget.Pipe pipe, long pid, String which) {
        Thread t = new Thread(null, () -> {
            byte[] buf = new byte[16 * 1024];
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    pipe.sink().write(ByteBuffer.wrap(buf, 0, n));
                }
            } catch (IOException e) {
                // the stream was closed under us: nothing more to read
            } finally {
                pipe.sink().close();
            }
        }, "procmgr-jdk-" + which + "-" + pid, PUMP_STACK);
        t.setDaemon(true);
        t.start();
    }
}
