package dev.procmgr.cli;

import dev.procmgr.api.OutputSpec;
import dev.procmgr.api.ProcessSpec;
import dev.procmgr.api.RestartPolicy;
import dev.procmgr.api.Signal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One program of a config file (or of an {@code add} request), with every path already made
 * absolute. Two configs are equal when they would start the same process the same way, which
 * is what {@code reload} compares.
 *
 * @param command executable and arguments, never empty
 * @param directory the working directory
 * @param env variables set over the supervisor's environment
 * @param restart the restart mode
 * @param maxRestarts consecutive failures before FATAL
 * @param backoff first restart delay
 * @param maxBackoff cap on the restart delay
 * @param startSeconds uptime after which a run counts as started
 * @param stopSignal first signal of a stop
 * @param stopTimeout wait after the stop signal before KILL
 * @param output what is kept of the output
 * @param autostart start with the supervisor (and on reload)
 */
record ProgramConfig(List<String> command, Path directory, Map<String, String> env, RestartPolicy.Mode restart,
                     int maxRestarts, Duration backoff, Duration maxBackoff, Duration startSeconds, Signal stopSignal,
                     Duration stopTimeout, Output output, boolean autostart) {

    static final int DEFAULT_MAX_RESTARTS = 5;
    static final Duration DEFAULT_BACKOFF = Duration.ofSeconds(1);
    static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(60);
    static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);

    /**
     * @param captureLines lines kept in memory per stream (what {@code logs} shows)
     * @param file where stdout is appended, if anywhere; stderr goes to {@link #stderrFile()}
     * @param maxSize rotation size of the files (0: never)
     * @param keep rotated files kept
     */
    record Output(int captureLines, Optional<Path> file, long maxSize, int keep) {
        Output {
            Objects.requireNonNull(file, "file is null");
        }

        static Output defaults() {
            return new Output(OutputSpec.DEFAULT_CAPTURE_LINES, Optional.empty(), OutputSpec.DEFAULT_MAX_BYTES,
                    OutputSpec.DEFAULT_KEEP);
        }

        /** The stderr file beside the stdout one: {@code web.log} gives {@code web.err.log}. */
        Optional<Path> stderrFile() {
            return file.map(ProgramConfig::errFile);
        }
    }

    ProgramConfig {
        command = List.copyOf(command);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command is empty");
        }
        Objects.requireNonNull(directory, "directory is null");
        env = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(env));
        Objects.requireNonNull(restart, "restart is null");
        Objects.requireNonNull(backoff, "backoff is null");
        Objects.requireNonNull(maxBackoff, "maxBackoff is null");
        Objects.requireNonNull(startSeconds, "startSeconds is null");
        Objects.requireNonNull(stopSignal, "stopSignal is null");
        Objects.requireNonNull(stopTimeout, "stopTimeout is null");
        Objects.requireNonNull(output, "output is null");
    }

    /** {@code web.log -> web.err.log}, {@code web -> web.err}. */
    static Path errFile(Path stdoutFile) {
        String name = stdoutFile.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String err = dot > 0 ? name.substring(0, dot) + ".err" + name.substring(dot) : name + ".err";
        return stdoutFile.resolveSibling(err);
    }

    /**
     * The spec to start this program with.
     *
     * @param extraStdout more targets for stdout (the console, or a log file when detached)
     * @param extraStderr more targets for stderr
     */
    ProcessSpec toSpec(OutputSpec extraStdout, OutputSpec extraStderr) {
        OutputSpec out = OutputSpec.capture(output.captureLines());
        OutputSpec err = OutputSpec.capture(output.captureLines());
        if (output.file().isPresent()) {
            out = out.and(OutputSpec.file(output.file().get(), output.maxSize(), output.keep()));
            err = err.and(OutputSpec.file(output.stderrFile().get(), output.maxSize(), output.keep()));
        }
        return ProcessSpec.builder(command.get(0))
                .args(command.subList(1, command.size()))
                .directory(directory)
                .env(env)
                .restartPolicy(RestartPolicy.of(restart).withMaxRestarts(maxRestarts)
                        .withBackoff(backoff, maxBackoff.compareTo(backoff) < 0 ? backoff : maxBackoff))
                .startSeconds(startSeconds)
                .stopSignal(stopSignal)
                .stopTimeout(stopTimeout)
                .stdout(out.and(extraStdout))
                .stderr(err.and(extraStderr))
                .build();
    }

    /** The command as a shell would show it, quoted where needed. */
    static String shellJoin(List<String> command) {
        StringBuilder sb = new StringBuilder();
        for (String a : command) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            if (!a.isEmpty() && a.chars().allMatch(c -> Character.isLetterOrDigit(c) || "-_./=:,@%+".indexOf(c) >= 0)) {
                sb.append(a);
            } else {
                sb.append('\'').append(a.replace("'", "'\\''")).append('\'');
            }
        }
        return sb.toString();
    }
}
