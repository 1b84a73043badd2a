package dev.procmgr.jdk;

import com.google.inject.AbstractModule;
import com.google.inject.Scopes;
import dev.procmgr.spi.ProcessLauncher;

/**
 * Binds the JDK {@link ProcessBuilder} backend:
 * {@code Guice.createInjector(new ProcessManagerModule(), new JdkBackendModule())}.
 */
public final class JdkBackendModule extends AbstractModule {
    @Override
    protected void configure() {
        bind(ProcessLauncher.class).to(JdkProcessLauncher.class).in(Scopes.SINGLETON);
    }
}
