package dev.procmgr.cli;

import dev.procmgr.api.ProcessManager;
import dev.procmgr.core.ManagerOptions;
import dev.procmgr.core.ProcessManagers;
import dev.procmgr.spi.ProcessLauncher;
import jakarta.inject.Inject;
import jakarta.inject.Provider;

/**
 * Makes the one {@link ProcessManager} of {@code up} or {@code run}, on the backend bound in the
 * injector, with options known only once the command line is parsed (the state file beside the
 * config). Client commands never touch it, so they never start a guardian.
 */
final class ManagerFactory {
    private final Provider<ProcessLauncher> launcher;

    @Inject
    ManagerFactory(Provider<ProcessLauncher> launcher) {
        this.launcher = launcher;
    }

    ProcessManager create(ManagerOptions options) {
        ProcessLauncher l = launcher.get();
        l.unavailabilityCause().ifPresent(cause -> {
            throw new CliException(ExitCodes.FAILURE, "backend '" + l.name() + "' is not available here: " + cause);
        });
        return ProcessManagers.create(l, options);
    }

    String backendName() {
        return launcher.get().name();
    }
}
