package dev.procmgr.api;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * An immutable snapshot of a managed process.
 *
 * @param tag the tag
 * @param pid the pid of the current (or, after an exit, the last) OS process; empty before the first start
 * @param state the state when the snapshot was taken
 * @param command executable and arguments
 * @param startTime when the current or last run started; empty before the first start
 * @param uptime how long the current run has lasted (zero when no process is live)
 * @param exit the last exit, if any
 * @param restarts how many times the process was started again after its first start
 * @param nextRestart when a restart is scheduled, in BACKOFF
 */
public record ProcessInfo(String tag, OptionalLong pid, ProcessState state, List<String> command,
                          Optional<Instant> startTime, Duration uptime, Optional<ExitStatus> exit,
                          int restarts, Optional<Instant> nextRestart) {
    public ProcessInfo {
        Objects.requireNonNull(tag, "tag is null");
        Objects.requireNonNull(pid, "pid is null");
        Objects.requireNonNull(state, "state is null");
        command = List.copyOf(command);
        Objects.requireNonNull(startTime, "startTime is null");
        Objects.requireNonNull(uptime, "uptime is null");
        Objects.requireNonNull(exit, "exit is null");
        Objects.requireNonNull(nextRestart, "nextRestart is null");
    }
}
