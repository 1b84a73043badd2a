package dev.procmgr.api;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Where one output stream of a process goes. A spec is a set of targets; {@link #and} combines
 * them (for example a rotating file plus the last 100 lines in memory). Every mode drains the
 * pipe continuously or hands the descriptor to the kernel, so a child never blocks on output.
 *
 * @param targets the targets; empty means discard
 */
public record OutputSpec(List<Target> targets) {

    /** Lines kept per stream by {@link #capture()}. */
    public static final int DEFAULT_CAPTURE_LINES = 1000;
    /** Size at which a file target rotates by default (10 MiB). */
    public static final long DEFAULT_MAX_BYTES = 10L * 1024 * 1024;
    /** Rotated files kept by default. */
    public static final int DEFAULT_KEEP = 5;

    /** One place output goes. */
    public sealed interface Target permits Inherit, Capture, File, Log {
    }

    /** The host's own stdout or stderr. */
    public record Inherit() implements Target {
    }

    /** The last {@code lines} lines, kept in memory. */
    public record Capture(int lines) implements Target {
        public Capture {
            if (lines < 1) {
                throw new InvalidSpecException("capture lines must be at least 1: " + lines);
            }
        }
    }

    /**
     * A file opened in append mode, rotated when it reaches {@code maxBytes} into
     * {@code name.1 ... name.keep}. {@code maxBytes == 0} disables rotation.
     */
    public record File(Path path, long maxBytes, int keep) implements Target {
        public File {
            Objects.requireNonNull(path, "path is null");
            if (maxBytes < 0) {
                throw new InvalidSpecException("maxBytes is negative: " + maxBytes);
            }
            if (keep < 0) {
                throw new InvalidSpecException("keep is negative: " + keep);
            }
        }
    }

    /** Each line to SLF4J at this level, on a logger named {@code procmgr.output.<tag>}. */
    public record Log(String level) implements Target {
        public Log {
            Objects.requireNonNull(level, "level is null");
            if (!List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR").contains(level)) {
                throw new InvalidSpecException("log level must be TRACE, DEBUG, INFO, WARN or ERROR: " + level);
            }
        }
    }

    public OutputSpec {
        targets = List.copyOf(targets);
        if (targets.stream().filter(t -> t instanceof Inherit).count() > 1) {
            throw new InvalidSpecException("inherit() given twice");
        }
    }

    /** Throw the output away (the kernel discards it; nothing is read). */
    public static OutputSpec discard() {
        return new OutputSpec(List.of());
    }

    /** Pass the output to the host's own stdout/stderr. */
    public static OutputSpec inherit() {
        return new OutputSpec(List.of(new Inherit()));
    }

    /** Keep the last {@value #DEFAULT_CAPTURE_LINES} lines (the default). */
    public static OutputSpec capture() {
        return capture(DEFAULT_CAPTURE_LINES);
    }

    /** Keep the last {@code lines} lines in memory. */
    public static OutputSpec capture(int lines) {
        return new OutputSpec(List.of(new Capture(lines)));
    }

    /** Append to this file, rotating at 10 MiB and keeping 5 old files. */
    public static OutputSpec file(Path path) {
        return file(path, DEFAULT_MAX_BYTES, DEFAULT_KEEP);
    }

    /** Append to this file, rotating at {@code maxBytes} (0: never) and keeping {@code keep} old files. */
    public static OutputSpec file(Path path, long maxBytes, int keep) {
        return new OutputSpec(List.of(new File(path, maxBytes, keep)));
    }

    /** Log every line through SLF4J at this level (TRACE, DEBUG, INFO, WARN, ERROR). */
    public static OutputSpec log(String level) {
        return new OutputSpec(List.of(new Log(level)));
    }

    /** Both this spec's targets and the other's. */
    public OutputSpec and(OutputSpec other) {
        List<Target> all = new ArrayList<>(targets);
        all.addAll(other.targets);
        return new OutputSpec(all);
    }

    /** The capture target, if any. */
    public java.util.Optional<Capture> captureTarget() {
        return targets.stream().filter(Capture.class::isInstance).map(Capture.class::cast).findFirst();
    }

    /** True when nothing is kept or passed on. */
    public boolean isDiscard() {
        return targets.isEmpty();
    }
}
