package dev.procmgr.core;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.spi.ProcessLauncher;
import jakarta.inject.Singleton;
import java.util.Objects;

/**
 * Binds {@link ProcessManager} as a singleton. Needs a {@link ProcessLauncher} binding from a
 * backend module:
 * <pre>{@code Guice.createInjector(new ProcessManagerModule(), new JdkBackendModule())}</pre>
 * {@code configure()} starts nothing; the manager (and its guardian) is built on first injection.
 * It stops its processes at JVM shutdown; call {@code close()} on it to stop them sooner.
 */
public final class ProcessManagerModule extends AbstractModule {
    private final ManagerOptions options;

    /** With {@link ManagerOptions#defaults()}. */
    public ProcessManagerModule() {
        this(ManagerOptions.defaults());
    }

    /** With these options. */
    public ProcessManagerModule(ManagerOptions options) {
        this.options = Objects.requireNonNull(options, "options is null");
    }

    @Provides
    @Singleton
    ProcessManager processManager(ProcessLauncher launcher) {
        return new DefaultProcessManager(launcher, options);
    }
}
