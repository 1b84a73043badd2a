package dev.procmgr.tck;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** The small sh programs the suites run as children, copied out of the jar to a temporary directory. */
public final class Scripts {
    private final Path dir;

    /** Copies the scripts into {@code dir}. */
    public Scripts(Path dir) {
        this.dir = dir;
    }

    /** The path of an executable copy of the named script ({@code ignore-term.sh}, {@code tree.sh}, ...). */
    public String path(String name) {
        Path p = dir.resolve(name);
        if (!Files.exists(p)) {
            try (InputStream in = Scripts.class.getResourceAsStream(name)) {
                if (in == null) {
                    throw new IllegalArgumentException("no script " + name);
                }
                Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return p.toString();
    }
}
