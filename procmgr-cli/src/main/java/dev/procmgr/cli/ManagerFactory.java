package dev.procmgr.cli;

import com.google.inject.Injector;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.core.ManagerOptions;
import dev.procmgr.core.ProcessManagerModule;
import dev.procmgr.spi.ProcessLauncher;
import jakarta.inject.Inject;
import jakarta.inject.Provider;

/**
 * Makes the one {@link ProcessManager} of {@code up} or {@code run}: the core's
 * {@link ProcessManagerModule} in a child of the CLI's injector, so that it uses the backend
 * module {@code main} picked, with options known only once the command line is parsed (the
 * state file beside the socket). Client commands never call it, so they never start a guardian.
 */
final class ManagerFactory {
    private final Injector injector;
    private final Provider<ProcessLauncher> launcher;

    @Inject
    ManagerFactory(Injector injector, Provider<ProcessLauncher> launcher) {
        this.injector = injector;
        this.launcher = launcher;
    }

    /**
     * @throws CliException (1) when the backend cannot work here
     */
    ProcessManager create(ManagerOptions options) {
        ProcessLauncher l = launcher.get();
        l.unavailabilityCause().ifPresent(cause -> {
            throw new CliException(ExitCodes.FAILURE, "backend '" + l.name() + "' is not available here: " + cause);
        });
        return injector.createChildInjector(new ProcessManagerModule(options)).getInstance(ProcessManager.class);
    }

    String backendName() {
        return launcher.get().name();
    }
}
