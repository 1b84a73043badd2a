package dev.procmgr.core;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link dev.procmgr.api.ProcessManager} looks after its processes beyond the calls of the
 * API.
 *
 * @param shutdownHook stop every process when the JVM shuts down (normal exit, System.exit,
 *     SIGTERM, SIGINT); default true
 * @param guardian run a small guardian process that kills what is left when the JVM dies without
 *     running its shutdown hook (SIGKILL, native crash); default true
 * @param stateFile where to record live processes so that the next start of the same supervisor
 *     can sweep what a crashed predecessor left; default none
 * @param guardianGrace how long the guardian waits between TERM and KILL; default 2 s
 */
public record ManagerOptions(boolean shutdownHook, boolean guardian, Optional<Path> stateFile, Duration guardianGrace) {

    public ManagerOptions {
        Objects.requireNonNull(stateFile, "stateFile is null");
        Objects.requireNonNull(guardianGrace, "guardianGrace is null");
        if (guardianGrace.isNegative()) {
            throw new IllegalArgumentException("guardianGrace is negative: " + guardianGrace);
        }
    }

    /** Shutdown hook and guardian on, no state file. */
    public static ManagerOptions defaults() {
        return new ManagerOptions(true, true, Optional.empty(), Duration.ofSeconds(2));
    }

    /** A copy with the shutdown hook on or off. */
    public ManagerOptions withShutdownHook(boolean on) {
        return new ManagerOptions(on, guardian, stateFile, guardianGrace);
    }

    /** A copy with the guardian on or off. */
    public ManagerOptions withGuardian(boolean on) {
        return new ManagerOptions(shutdownHook, on, stateFile, guardianGrace);
    }

    /** A copy that keeps a state file at this path. */
    public ManagerOptions withStateFile(Path path) {
        return new ManagerOptions(shutdownHook, guardian, Optional.of(path), guardianGrace);
    }

    /** A copy with another guardian grace period. */
    public ManagerOptions withGuardianGrace(Duration grace) {
        return new ManagerOptions(shutdownHook, guardian, stateFile, grace);
    }
}
