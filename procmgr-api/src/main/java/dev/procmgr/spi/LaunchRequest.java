package dev.procmgr.spi;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One OS process to start, fully resolved by the core.
 *
 * @param command argv; {@code command.get(0)} is an absolute path the core has checked
 * @param environment the child's complete environment (nothing is inherited beyond it)
 * @param directory the working directory, which exists
 * @param stdin what the child reads
 * @param stdout where standard output goes
 * @param stderr where standard error goes; ignored when {@code mergeStderr}
 * @param mergeStderr stderr goes to the same place as stdout
 * @param newSession start the child as leader of a new session and process group
 *     ({@code setsid}); its pid is then its process group id
 */
public record LaunchRequest(List<String> command, Map<String, String> environment, Path directory,
                            StdinSource stdin, StreamTarget stdout, StreamTarget stderr,
                            boolean mergeStderr, boolean newSession) {
    public LaunchRequest {
        command = List.copyOf(command);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command is empty");
        }
        environment = Map.copyOf(environment);
        Objects.requireNonNull(directory, "directory is null");
        Objects.requireNonNull(stdin, "stdin is null");
        Objects.requireNonNull(stdout, "stdout is null");
        Objects.requireNonNull(stderr, "stderr is null");
    }

    @Override
    public String toString() {
        // never the environment's values: they hold secrets
        return "LaunchRequest[command=" + command + ", directory=" + directory + ", newSession=" + newSession + "]";
    }
}
