package dev.procmgr.nuprocess;

import com.sun.jna.StringArray;
import com.zaxxer.nuprocess.NuProcessBuilder;
import com.zaxxer.nuprocess.linux.ProcmgrLinuxProcess;
import dev.procmgr.spi.LaunchRequest;
import dev.procmgr.spi.LaunchedProcess;
import dev.procmgr.spi.OutputSink;
import dev.procmgr.spi.ProcessLauncher;
import dev.procmgr.spi.SessionSupport;
import dev.procmgr.spi.StdinSource;
import dev.procmgr.spi.StreamTarget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NuProcess backend: processes whose pipes are pumped by NuProcess's few epoll threads, and
 * whose exits are seen at once by a pidfd watch (Linux 5.3+).
 *
 * <h2>Launch</h2>
 * On Linux with glibc 2.34+, this backend starts the child itself with {@code posix_spawn}
 * ({@link PosixSpawn}) and hands it to NuProcess, which pumps its pipes: a new session costs no
 * extra exec ({@code POSIX_SPAWN_SETSID}; pid == pgid before {@code launch} returns), the child's
 * signal mask is empty and its dispositions default, a failed exec is an {@link IOException}
 * with the OS's reason, and no JDK internals are involved. Elsewhere, NuProcess's own launch
 * (the JDK's internal {@code forkAndExec} in VFORK mode) with the {@code setsid} prefix
 * ({@link SessionSupport#withSetsid}) for a session and a {@code /bin/sh} wrapper for merged
 * stderr; that path is refused on a JDK newer than {@value #NEWEST_TESTED_JDK} unless
 * {@value #ALLOW_UNTESTED_JDK} is {@code true}. {@value #LAUNCH}{@code =nuprocess} forces it.
 *
 * <h2>Threads</h2>
 * For any number of processes: NuProcess's I/O threads (half the cores, 1 to 4, see
 * {@link NuProcessSettings}), which call the {@link OutputSink}s; one exit-watch thread
 * ({@link PidfdExitWatcher}), which completes {@link LaunchedProcess#onExit()}; JNA's cleaner
 * thread. None of them runs user code beyond the sinks and the dependents of
 * {@code onExit()}, which must not block.
 *
 * <h2>What it does natively</h2>
 * Pipes only ({@link #supportsRedirects()} is false): the core asks for {@link StreamTarget.Pipe}
 * and {@link StdinSource.Null} or {@link StdinSource.Pipe}; {@link StreamTarget.Discard} is
 * drained and dropped. A process with nothing piped (both streams discarded, stdin null) gets
 * {@code /dev/null} instead and bypasses NuProcess ({@link UnpipedProcess}), on the
 * {@code posix_spawn} path with the pidfd exit watch.
 *
 * <h2>Availability</h2>
 * Linux (and macOS through NuProcess's own launch, without the pidfd watch; untested). Checked
 * when first asked, never in a static initializer. Thread-safe.
 */
public final class NuProcessLauncher implements ProcessLauncher {

    /** System property: allow a JDK newer than the newest this backend was tested on. */
    public static final String ALLOW_UNTESTED_JDK = "procmgr.nuprocess.allowUntestedJdk";
    static final int NEWEST_TESTED_JDK = 25;
    static final String SHELL = "/bin/sh";

    private static final Logger log = LoggerFactory.getLogger(NuProcessLauncher.class);

    /** Where a discarded stream goes (the pipe is still read, the bytes dropped). */
    static final OutputSink DISCARD = new OutputSink() {
        @Override
        public void write(ByteBuffer bytes) {
        }

        @Override
        public void close() {
        }
    };

    /** System property: {@code posix_spawn} (the default where glibc has it) or {@code nuprocess}. */
    public static final String LAUNCH = "procmgr.nuprocess.launch";

    private volatile Optional<String> cause; // lazily computed
    private volatile boolean posixSpawn; // set with cause

    private final boolean pidfdExitWatch;
    private volatile EnvBlock lastEnv; // the last environment in native form

    /** Makes the launcher; checks and starts nothing. */
    public NuProcessLauncher() {
        this(true);
    }

    /** With or without the pidfd exit watch (tests of the fallback). */
    NuProcessLauncher(boolean pidfdExitWatch) {
        this.pidfdExitWatch = pidfdExitWatch;
    }

    private Optional<PidfdExitWatcher> watcher() {
        return pidfdExitWatch ? PidfdExitWatcher.shared() : Optional.empty();
    }

    @Override
    public String name() {
        return "nuprocess";
    }

    @Override
    public Optional<String> unavailabilityCause() {
        Optional<String> c = cause;
        if (c == null) {
            synchronized (this) {
                c = cause;
                if (c == null) {
                    c = Optional.ofNullable(probe());
                    cause = c;
                }
            }
        }
        return c;
    }

    @Override
    public boolean supportsRedirects() {
        return false;
    }

    /**
     * Starts the process. Where glibc 2.34+ is (see {@link PosixSpawn}), with {@code posix_spawn}:
     * argv exactly {@code request.command()}, the session by {@code POSIX_SPAWN_SETSID}, merged
     * stderr by a {@code dup2} onto the stdout pipe. Elsewhere (or with {@value #LAUNCH}{@code
     * =nuprocess}) with NuProcess's own launch: behind the stderr-merging shell wrapper when
     * stderr is merged, and behind the {@code setsid} prefix when a new session is asked for and
     * this machine has {@code setsid}. Either way NuProcess pumps the pipes.
     *
     * @throws IOException when the executable or directory is missing or not usable, or the exec
     *     fails ({@code error=<errno>, <reason>}; through NuProcess's own launch, NuProcess logs
     *     the OS error through java.util.logging instead)
     * @throws IllegalStateException when this backend is unavailable here
     * @throws IllegalArgumentException for a redirect other than a pipe, null stdin or discard
     */
    @Override
    public LaunchedProcess launch(LaunchRequest request) throws IOException {
        unavailabilityCause().ifPresent(c -> {
            throw new IllegalStateException("NuProcess backend unavailable: " + c);
        });
        return launch(request, posixSpawn);
    }

    /** Launches through posix_spawn or through NuProcess's own launch (for side-by-side measurement). */
    LaunchedProcess launch(LaunchRequest request, boolean viaPosixSpawn) throws IOException {
        unavailabilityCause(); // NuProcess's properties and signal fix-up first
        if (!viaPosixSpawn) {
            checkStartable(request); // NuProcess's own launch only logs why an exec failed; posix_spawn returns it
        }
        OutputSink out = sinkOf(request.stdout(), "stdout");
        OutputSink err = request.mergeStderr() ? out : sinkOf(request.stderr(), "stderr");
        boolean stdinPipe = stdinIsPipe(request.stdin());
        if (viaPosixSpawn) {
            Optional<PidfdExitWatcher> w = watcher();
            if (out == DISCARD && err == DISCARD && !stdinPipe && w.isPresent()) {
                return spawnUnpiped(request, w.get());
            }
            return spawn(request, out, err, stdinPipe);
        }
        List<String> argv = request.mergeStderr() ? withStderrOnStdout(request.command()) : request.command();
        argv = request.newSession() ? SessionSupport.withSetsid(argv) : argv;
        boolean leader = request.newSession() && SessionSupport.setsidBinary().isPresent();
        NuLaunchedProcess process = new NuLaunchedProcess(request.command(), out, err, request.mergeStderr(),
                stdinPipe, leader, watcher());
        NuProcessBuilder builder = new NuProcessBuilder(argv, request.environment());
        builder.setProcessListener(process);
        builder.setCwd(request.directory());
        ChildSignalState.launchWithCleanMask(builder::start);
        if (!process.started()) {
            process.launchFailed();
            throw new IOException("cannot start " + request.command() + " in " + request.directory()
                    + ": exec failed (NuProcess logged the OS error)");
        }
        return process;
    }

    private LaunchedProcess spawn(LaunchRequest request, OutputSink out, OutputSink err, boolean stdinPipe)
            throws IOException {
        NuLaunchedProcess process = new NuLaunchedProcess(request.command(), out, err, request.mergeStderr(),
                stdinPipe, request.newSession(), watcher());
        ProcmgrLinuxProcess nu = new ProcmgrLinuxProcess(process);
        try {
            StringArray envp = environmentBlock(request.environment());
            nu.startWith((in, o, e) -> PosixSpawn.spawn(request.command(), envp, request.directory(),
                    request.newSession(), request.mergeStderr(), in, o, e));
        } catch (IOException e) {
            process.launchFailed();
            throw e;
        } catch (RuntimeException e) { // NuProcess's pipe(): "... failed, return code: -1, last error: 24"
            process.launchFailed();
            throw new IOException("cannot start " + request.command() + ": " + PosixSpawn.withErrnoText(e.getMessage()), e);
        }
        return process;
    }

    /**
     * Nothing to read or write: the child gets {@code /dev/null} for all three streams and
     * NuProcess never sees it (no pipes, buffers or I/O-thread work for bytes that are dropped).
     */
    private LaunchedProcess spawnUnpiped(LaunchRequest request, PidfdExitWatcher w) throws IOException {
        int pid = PosixSpawn.spawn(request.command(), environmentBlock(request.environment()), request.directory(),
                request.newSession(), request.mergeStderr(), PosixSpawn.DEV_NULL, PosixSpawn.DEV_NULL, PosixSpawn.DEV_NULL);
        return UnpipedProcess.watch(pid, request.command(), request.newSession(), w);
    }

    /**
     * The environment in native form, made again only when it changes: most launches pass the
     * same environment (the host's), and building it was a tenth of a launch.
     */
    private StringArray environmentBlock(Map<String, String> env) {
        EnvBlock last = lastEnv;
        if (last != null && last.env().equals(env)) {
            return last.block();
        }
        EnvBlock made = new EnvBlock(env, PosixSpawn.environmentBlock(env));
        lastEnv = made;
        return made.block();
    }

    private record EnvBlock(Map<String, String> env, StringArray block) {
    }

    /**
     * NuProcess always gives the child a separate stderr pipe; for one stream in the order the
     * child wrote it, {@code /bin/sh} points fd 2 at the stdout pipe and execs the command (the
     * pid stays the same). Costs one more exec, for merged streams only.
     */
    static List<String> withStderrOnStdout(List<String> command) {
        List<String> argv = new java.util.ArrayList<>(command.size() + 3);
        argv.add(SHELL);
        argv.add("-c");
        argv.add("exec 2>&1; exec \"$0\" \"$@\"");
        argv.addAll(command);
        return argv;
    }

    private static void checkStartable(LaunchRequest request) throws IOException {
        Path exe = Path.of(request.command().get(0));
        if (!Files.exists(exe)) {
            throw new NoSuchFileException(exe.toString(), null, "no such executable");
        }
        if (!Files.isRegularFile(exe) || !Files.isExecutable(exe)) {
            throw new AccessDeniedException(exe.toString(), null, "not an executable file");
        }
        if (!Files.exists(request.directory())) {
            throw new NoSuchFileException(request.directory().toString(), null, "no such working directory");
        }
        if (!Files.isDirectory(request.directory())) {
            throw new NotDirectoryException(request.directory().toString());
        }
    }

    private static OutputSink sinkOf(StreamTarget target, String stream) {
        if (target instanceof StreamTarget.Pipe) {
            return ((StreamTarget.Pipe) target).sink();
        }
        if (target instanceof StreamTarget.Discard) {
            return DISCARD;
        }
        throw new IllegalArgumentException(stream + " target " + target + " needs redirects; this backend only pipes");
    }

    private static boolean stdinIsPipe(StdinSource stdin) {
        if (stdin instanceof StdinSource.Pipe) {
            return true;
        }
        if (stdin instanceof StdinSource.Null) {
            return false;
        }
        throw new IllegalArgumentException("stdin " + stdin + " needs redirects; this backend only pipes");
    }

    /** Null when the backend works here, else why not. Sets NuProcess's properties on success. */
    private String probe() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        boolean linux = os.contains("linux");
        if (!linux && !os.contains("mac")) {
            return "NuProcess backend needs Linux or macOS, not " + System.getProperty("os.name");
        }
        String launch = System.getProperty(LAUNCH, "posix_spawn");
        boolean spawn = linux && !"nuprocess".equals(launch) && PosixSpawn.unavailabilityCause().isEmpty();
        if (linux && !spawn && !"nuprocess".equals(launch)) {
            log.info("starting processes through NuProcess's own launch: {}", PosixSpawn.unavailabilityCause().orElse("?"));
        }
        if (!spawn) {
            String cause = checkNuProcessLaunch(linux);
            if (cause != null) {
                return cause;
            }
        }
        boolean pidfd = linux && PidfdExitWatcher.shared().isPresent();
        NuProcessSettings.apply(pidfd);
        if (linux) {
            ChildSignalState.initializeNuProcess();
        }
        posixSpawn = spawn;
        return null;
    }

    /** Whether NuProcess's own launch (the JDK's forkAndExec in VFORK mode) can work here. */
    private static String checkNuProcessLaunch(boolean linux) {
        int jdk = Runtime.version().feature();
        if (jdk > NEWEST_TESTED_JDK && !Boolean.getBoolean(ALLOW_UNTESTED_JDK)) {
            return "JDK " + jdk + " is newer than the newest tested (" + NEWEST_TESTED_JDK + ") with NuProcess's own launch,"
                    + " which calls the JDK's internal forkAndExec in VFORK mode, which newer JDKs drop; use the jdk"
                    + " backend, or -D" + ALLOW_UNTESTED_JDK + "=true to try";
        }
        try {
            com.sun.jna.NativeLibrary java = com.sun.jna.NativeLibrary.getInstance(linux ? "java" : null);
            java.getFunction("Java_java_lang_ProcessImpl_forkAndExec");
        } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError: JNA or the symbol missing
            return "NuProcess cannot reach the JDK's native forkAndExec through JNA: " + t;
        }
        return null;
    }

    /** Whether processes start through {@code posix_spawn} (else through NuProcess's own launch). */
    boolean usesPosixSpawn() {
        return isAvailable() && posixSpawn;
    }
}
