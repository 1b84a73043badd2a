package dev.procmgr.nuprocess;

import com.google.inject.AbstractModule;
import com.google.inject.Scopes;
import dev.procmgr.spi.ProcessLauncher;

/**
 * Selects the NuProcess backend: binds {@link ProcessLauncher} to {@link NuProcessLauncher} as a
 * singleton. Use with the core's module:
 * {@code Guice.createInjector(new ProcessManagerModule(), new NuProcessBackendModule())}.
 * {@code configure()} only binds: it starts no thread and no process, and checks nothing.
 */
public final class NuProcessBackendModule extends AbstractModule {

    @Override
    protected void configure() {
        bind(ProcessLauncher.class).to(NuProcessLauncher.class).in(Scopes.SINGLETON);
    }
}
