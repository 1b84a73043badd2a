package dev.procmgr.spi;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a backend connects one output stream of the child. The core picks the target; a backend
 * that cannot redirect natively (see {@link ProcessLauncher#supportsRedirects()}) is only ever
 * given {@link Pipe} and {@link Discard}.
 */
public sealed interface StreamTarget {

    /**
     * The bytes are thrown away: by the kernel ({@code /dev/null}) where the backend redirects,
     * else read and dropped by the backend. Nothing waits for such a stream's end of file.
     */
    record Discard() implements StreamTarget {
    }

    /** The host's own stdout or stderr. */
    record Inherit() implements StreamTarget {
    }

    /** Appended to a file by the kernel, no thread involved. */
    record AppendFile(Path path) implements StreamTarget {
        public AppendFile {
            Objects.requireNonNull(path, "path is null");
        }
    }

    /** A pipe the backend drains continuously into the sink. */
    record Pipe(OutputSink sink) implements StreamTarget {
        public Pipe {
            Objects.requireNonNull(sink, "sink is null");
        }
    }
}
