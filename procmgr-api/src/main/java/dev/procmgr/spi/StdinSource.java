package dev.procmgr.spi;

import java.nio.file.Path;
import java.util.Objects;

/** What a backend connects to the child's stdin. */
public sealed interface StdinSource {

    /** {@code /dev/null}. A backend that always makes a pipe closes it at once. */
    record Null() implements StdinSource {
    }

    /** The host's own stdin. Only given when {@link ProcessLauncher#supportsRedirects()}. */
    record Inherit() implements StdinSource {
    }

    /** A file, read by the child. Only given when {@link ProcessLauncher#supportsRedirects()}. */
    record FromFile(Path path) implements StdinSource {
        public FromFile {
            Objects.requireNonNull(path, "path is null");
        }
    }

    /** A pipe written through {@link LaunchedProcess#stdin()}. */
    record Pipe() implements StdinSource {
    }
}
