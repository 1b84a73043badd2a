package dev.procmgr.api;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What a process reads on its standard input.
 */
public sealed interface StdinSpec {

    /** {@code /dev/null}: reads see end of file at once (the default). */
    record Null() implements StdinSpec {
    }

    /** The host's own stdin. */
    record Inherit() implements StdinSpec {
    }

    /** A pipe written through {@link ProcessContainer#stdin()}. */
    record Pipe() implements StdinSpec {
    }

    /** The content of a file. */
    record FromFile(Path path) implements StdinSpec {
        public FromFile {
            Objects.requireNonNull(path, "path is null");
        }
    }

    /** These bytes, then end of file. */
    record Bytes(byte[] bytes) implements StdinSpec {
        public Bytes {
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }
    }

    /** {@code /dev/null} (the default). */
    static StdinSpec none() {
        return new Null();
    }

    /** The host's stdin. */
    static StdinSpec inherit() {
        return new Inherit();
    }

    /** A pipe for {@link ProcessContainer#stdin()}. */
    static StdinSpec pipe() {
        return new Pipe();
    }

    /** The content of this file. */
    static StdinSpec file(Path path) {
        return new FromFile(path);
    }

    /** These bytes, then end of file. */
    static StdinSpec bytes(byte[] bytes) {
        return new Bytes(bytes);
    }
}
