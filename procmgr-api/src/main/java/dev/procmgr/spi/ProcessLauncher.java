package dev.procmgr.spi;

import java.io.IOException;
import java.util.Optional;

/**
 * A backend: starts OS processes and nothing more. Registered in
 * {@code META-INF/services/dev.procmgr.spi.ProcessLauncher} for {@code ProcessManagers.create()},
 * and bound by a Guice module for injection. Instances are thread-safe.
 */
public interface ProcessLauncher {

    /** A short, unique, lower-case name: {@code jdk}, {@code nuprocess}. */
    String name();

    /**
     * Whether this backend works in this JVM on this OS. Evaluated lazily, never in a static
     * initializer, so the class loads everywhere.
     */
    default boolean isAvailable() {
        return unavailabilityCause().isEmpty();
    }

    /** Why the backend cannot work here, or empty when it can. */
    default Optional<String> unavailabilityCause() {
        return Optional.empty();
    }

    /**
     * Whether {@link StreamTarget.Discard}, {@link StreamTarget.Inherit},
     * {@link StreamTarget.AppendFile}, {@link StdinSource.Inherit} and {@link StdinSource.FromFile}
     * are done natively. When false, the core asks only for pipes and {@link StreamTarget.Discard}
     * (which such a backend drains and drops) and emulates the rest.
     */
    default boolean supportsRedirects() {
        return false;
    }

    /**
     * Starts the process. Returns once the OS has started it (exec succeeded or, where the
     * platform cannot tell, was attempted).
     *
     * @throws IOException with the OS's reason when it cannot start
     */
    LaunchedProcess launch(LaunchRequest request) throws IOException;
}
