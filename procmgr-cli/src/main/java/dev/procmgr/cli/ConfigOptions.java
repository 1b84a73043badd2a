package dev.procmgr.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import picocli.CommandLine.Option;

/**
 * Where the config file and the control socket are: {@code -f/--file} and {@code --socket}, shared
 * by every command that finds a supervisor. {@code logs} uses {@link LongOnly} ({@code -f} is follow there).
 */
abstract class ConfigOptions {

    static final String DEFAULT_FILE = "procmgr.yaml";
    static final String STATE_DIR = ".procmgr";
    static final String SOCKET_NAME = "procmgr.sock";
    static final String FILE_HELP = "The config file (default: " + DEFAULT_FILE + " in the current directory).";
    static final String SOCKET_HELP = "The control socket (default: $PROCMGR_SOCKET, else " + STATE_DIR + "/" + SOCKET_NAME
            + " beside the config file).";

    abstract Path file();

    abstract Path socketOption();

    /** {@code -f/--file} and {@code --socket}. */
    static final class Standard extends ConfigOptions {
        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = FILE_HELP)
        Path file;

        @Option(names = "--socket", paramLabel = "PATH", description = SOCKET_HELP)
        Path socket;

        @Override
        Path file() {
            return file;
        }

        @Override
        Path socketOption() {
            return socket;
        }
    }

    /** {@code --file} and {@code --socket}: for {@code logs}, where {@code -f} is follow. */
    static final class LongOnly extends ConfigOptions {
        @Option(names = "--file", paramLabel = "FILE", description = FILE_HELP)
        Path file;

        @Option(names = "--socket", paramLabel = "PATH", description = SOCKET_HELP)
        Path socket;

        @Override
        Path file() {
            return file;
        }

        @Override
        Path socketOption() {
            return socket;
        }
    }

    Path configFile() {
        return (file() == null ? Path.of(DEFAULT_FILE) : file()).toAbsolutePath().normalize();
    }

    /** {@code .procmgr} beside the config file: socket, lock, state file, logs. */
    Path stateDir() {
        return configFile().getParent().resolve(STATE_DIR);
    }

    Path socket(CliEnvironment env) {
        if (socketOption() != null) {
            return socketOption().toAbsolutePath().normalize();
        }
        return env.get("PROCMGR_SOCKET").map(s -> Path.of(s).toAbsolutePath().normalize())
                .orElseGet(() -> stateDir().resolve(SOCKET_NAME));
    }

    /** Creates the directory with mode 0700 when missing; makes it 0700 when {@code always}. */
    static void privateDirectory(Path dir, boolean always) {
        try {
            if (Files.notExists(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                always = true;
            }
            if (always) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw new CliException(ExitCodes.FAILURE, "cannot create directory " + dir + ": " + e);
        }
    }
}
