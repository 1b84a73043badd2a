package dev.procmgr.api;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything needed to start, stop and supervise one process. Immutable; build it with
 * {@link #of} or {@link #builder}. The command is an argv vector, never a shell string: to use a
 * shell, say so ({@code ProcessSpec.of("/bin/sh", "-c", script)}).
 *
 * <p>{@link #toString()} never prints environment values, which often hold secrets.
 *
 * @param executable the program: a path, or a name looked up on the PATH
 * @param args the arguments, without the executable
 * @param directory the working directory; empty means the host's
 * @param env variables set for the child (over the host's, when {@code inheritEnv})
 * @param inheritEnv whether the child starts from the host's environment (default true)
 * @param stopSignal the first signal {@code stop()} sends (default TERM)
 * @param stopTimeout how long {@code stop()} waits before KILL (default 5 s)
 * @param stdout where standard output goes (default: capture the last 1000 lines)
 * @param stderr where standard error goes (default: capture the last 1000 lines)
 * @param mergeStderr send stderr into stdout's targets, as {@code 2>&1} (default false)
 * @param stdin what the child reads (default {@code /dev/null})
 * @param restartPolicy when to restart after an exit (default NEVER)
 * @param startSeconds uptime after which the process counts as started (default 1 s)
 * @param newSession start the process as leader of its own session and process group, so that
 *     stop reaches the whole tree and host's terminal signals do not (default true)
 * @param listeners state listeners for this process only
 */
public record ProcessSpec(String executable, List<String> args, Optional<Path> directory,
                          Map<String, String> env, boolean inheritEnv, Signal stopSignal,
                          Duration stopTimeout, OutputSpec stdout, OutputSpec stderr, boolean mergeStderr,
                          StdinSpec stdin, RestartPolicy restartPolicy, Duration startSeconds,
                          boolean newSession, List<ProcessListener> listeners) {

    /** Default {@link #stopTimeout}. */
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(5);
    /** Default {@link #startSeconds}. */
    public static final Duration DEFAULT_START_SECONDS = Duration.ofSeconds(1);

    public ProcessSpec {
        Objects.requireNonNull(executable, "executable is null");
        if (executable.isEmpty()) {
            throw new InvalidSpecException("executable is empty");
        }
        requireNoNul("executable", executable);
        args = List.copyOf(args);
        for (int i = 0; i < args.size(); i++) {
            requireNoNul("argument " + (i + 1), args.get(i));
        }
        Objects.requireNonNull(directory, "directory is null");
        Map<String, String> envCopy = new LinkedHashMap<>();
        env.forEach((k, v) -> {
            Objects.requireNonNull(k, "environment name is null");
            Objects.requireNonNull(v, "environment value of " + k + " is null");
            if (k.isEmpty() || k.indexOf('=') >= 0 || k.indexOf('\0') >= 0) {
                throw new InvalidSpecException("invalid environment name '" + k.replace("\0", "\\0")
                        + "': must be non-empty and contain no '=' or NUL");
            }
            if (v.indexOf('\0') >= 0) {
                throw new InvalidSpecException("environment value of " + k + " contains a NUL byte");
            }
            envCopy.put(k, v);
        });
        env = java.util.Collections.unmodifiableMap(envCopy);
        Objects.requireNonNull(stopSignal, "stopSignal is null");
        Objects.requireNonNull(stopTimeout, "stopTimeout is null");
        RestartPolicy.requireNotNegative("stopTimeout", stopTimeout);
        Objects.requireNonNull(stdout, "stdout is null");
        Objects.requireNonNull(stderr, "stderr is null");
        Objects.requireNonNull(stdin, "stdin is null");
        Objects.requireNonNull(restartPolicy, "restartPolicy is null");
        Objects.requireNonNull(startSeconds, "startSeconds is null");
        RestartPolicy.requireNotNegative("startSeconds", startSeconds);
        listeners = List.copyOf(listeners);
    }

    /** A spec with defaults for this executable and arguments. */
    public static ProcessSpec of(String executable, String... args) {
        return builder(executable).args(args).build();
    }

    /** A builder with defaults for this executable. */
    public static Builder builder(String executable) {
        return new Builder(executable);
    }

    /** A builder holding this spec's values, to derive a changed copy. */
    public Builder toBuilder() {
        Builder b = new Builder(executable);
        b.args.addAll(args);
        b.directory = directory.orElse(null);
        b.env.putAll(env);
        b.inheritEnv = inheritEnv;
        b.stopSignal = stopSignal;
        b.stopTimeout = stopTimeout;
        b.stdout = stdout;
        b.stderr = stderr;
        b.mergeStderr = mergeStderr;
        b.stdin = stdin;
        b.restartPolicy = restartPolicy;
        b.startSeconds = startSeconds;
        b.newSession = newSession;
        b.listeners.addAll(listeners);
        return b;
    }

    /** The executable followed by the arguments. */
    public List<String> command() {
        List<String> c = new ArrayList<>(args.size() + 1);
        c.add(executable);
        c.addAll(args);
        return List.copyOf(c);
    }

    @Override
    public String toString() {
        return "ProcessSpec[command=" + command() + ", directory=" + directory.map(Path::toString).orElse("(host's)")
                + ", env=" + env.keySet() + " (values hidden), inheritEnv=" + inheritEnv + ", stopSignal=" + stopSignal
                + ", stopTimeout=" + stopTimeout + ", restartPolicy=" + restartPolicy.mode() + "]";
    }

    private static void requireNoNul(String what, String s) {
        if (s.indexOf('\0') >= 0) {
            throw new InvalidSpecException(what + " contains a NUL byte: '" + s.replace("\0", "\\0") + "'");
        }
    }

    /** Builds a {@link ProcessSpec}. Not thread-safe; each {@link #build()} returns an independent record. */
    public static final class Builder {
        private final String executable;
        private final List<String> args = new ArrayList<>();
        private Path directory;
        private final Map<String, String> env = new LinkedHashMap<>();
        private boolean inheritEnv = true;
        private Signal stopSignal = Signal.TERM;
        private Duration stopTimeout = DEFAULT_STOP_TIMEOUT;
        private OutputSpec stdout = OutputSpec.capture();
        private OutputSpec stderr = OutputSpec.capture();
        private boolean mergeStderr;
        private StdinSpec stdin = StdinSpec.none();
        private RestartPolicy restartPolicy = RestartPolicy.NEVER;
        private Duration startSeconds = DEFAULT_START_SECONDS;
        private boolean newSession = true;
        private final List<ProcessListener> listeners = new ArrayList<>();

        private Builder(String executable) {
            this.executable = Objects.requireNonNull(executable, "executable is null");
        }

        /** Appends arguments. */
        public Builder args(String... more) {
            args.addAll(Arrays.asList(more));
            return this;
        }

        /** Appends arguments. */
        public Builder args(List<String> more) {
            args.addAll(more);
            return this;
        }

        /** The working directory. */
        public Builder directory(Path dir) {
            this.directory = Objects.requireNonNull(dir, "directory is null");
            return this;
        }

        /** Sets one environment variable for the child. */
        public Builder env(String name, String value) {
            env.put(Objects.requireNonNull(name, "environment name is null"), Objects.requireNonNull(value, "environment value is null"));
            return this;
        }

        /** Sets environment variables for the child. */
        public Builder env(Map<String, String> vars) {
            vars.forEach(this::env);
            return this;
        }

        /** Whether the child starts from the host's environment (default true). */
        public Builder inheritEnv(boolean inherit) {
            this.inheritEnv = inherit;
            return this;
        }

        /** The first signal {@code stop()} sends (default TERM). */
        public Builder stopSignal(Signal signal) {
            this.stopSignal = Objects.requireNonNull(signal, "stopSignal is null");
            return this;
        }

        /** How long {@code stop()} waits after the stop signal before KILL (default 5 s). */
        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = Objects.requireNonNull(timeout, "stopTimeout is null");
            return this;
        }

        /** Where both stdout and stderr go. */
        public Builder output(OutputSpec spec) {
            this.stdout = Objects.requireNonNull(spec, "output is null");
            this.stderr = spec;
            return this;
        }

        /** Where stdout goes. */
        public Builder stdout(OutputSpec spec) {
            this.stdout = Objects.requireNonNull(spec, "stdout is null");
            return this;
        }

        /** Where stderr goes. */
        public Builder stderr(OutputSpec spec) {
            this.stderr = Objects.requireNonNull(spec, "stderr is null");
            return this;
        }

        /** Send stderr to stdout's targets ({@code 2>&1}). */
        public Builder mergeStderr(boolean merge) {
            this.mergeStderr = merge;
            return this;
        }

        /** What the child reads (default {@code /dev/null}). */
        public Builder stdin(StdinSpec spec) {
            this.stdin = Objects.requireNonNull(spec, "stdin is null");
            return this;
        }

        /** When to restart (default NEVER). */
        public Builder restartPolicy(RestartPolicy policy) {
            this.restartPolicy = Objects.requireNonNull(policy, "restartPolicy is null");
            return this;
        }

        /** Uptime after which a run counts as started (default 1 s). */
        public Builder startSeconds(Duration d) {
            this.startSeconds = Objects.requireNonNull(d, "startSeconds is null");
            return this;
        }

        /** Whether the process leads its own session and process group (default true). */
        public Builder newSession(boolean isolate) {
            this.newSession = isolate;
            return this;
        }

        /** Adds a state listener for this process. */
        public Builder listener(ProcessListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener is null"));
            return this;
        }

        /**
         * @throws InvalidSpecException for values that can never work
         */
        public ProcessSpec build() {
            return new ProcessSpec(executable, args, Optional.ofNullable(directory), env, inheritEnv, stopSignal,
                    stopTimeout, stdout, stderr, mergeStderr, stdin, restartPolicy, startSeconds, newSession, listeners);
        }
    }
}
