package dev.procmgr.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One kind of process a scenario starts many times, the same on every column.
 *
 * @param argv the command, an absolute executable first
 * @param session isolated: procmgr's {@code newSession(true)} (its default), the raw libraries
 *     with the {@code setsid} prefix; plain: {@code newSession(false)}, no prefix
 * @param output where the child's output goes
 * @param file the file for the file modes
 * @param stampExit record the moment the exit is seen, for latency
 */
record Launch(List<String> argv, boolean session, Output output, Optional<Path> file, boolean stampExit) {

    Launch {
        argv = List.copyOf(argv);
        Objects.requireNonNull(output, "output is null");
        Objects.requireNonNull(file, "file is null");
    }

    static Launch of(Output output, boolean session, String... argv) {
        return new Launch(List.of(argv), session, output, Optional.empty(), false);
    }

    Launch withFile(Path path) {
        return new Launch(argv, session, output, Optional.of(path), stampExit);
    }

    Launch stamped() {
        return new Launch(argv, session, output, file, true);
    }

    /** Output handling, mapped to the closest equivalent on each column. */
    enum Output {
        /** stdout/stderr to /dev/null, stdin /dev/null: ProcessBuilder DISCARD, procmgr discard(); NuProcess always pipes and drops. */
        DISCARD,
        /** What each library does when nothing is said: ProcessBuilder pipes nobody reads, procmgr captures 1000 lines per stream. */
        DEFAULT,
        /** stdout read in full: raw counts the bytes, procmgr keeps the last 1000 lines; stderr discarded. */
        CAPTURE,
        /** stdout to a file: procmgr file(path) rotating at 10 MiB (a pumped pipe); raw appends (JDK: the kernel; NuProcess: FileChannel in the callback). */
        FILE_ROTATING,
        /** stdout to a file without rotation: procmgr file(path, 0, 0), which the JDK backend hands to the kernel. */
        FILE_APPEND,
        /** stdout read until the child's first line ("ready"), then dropped. */
        READY
    }
}
