package dev.procmgr.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import jakarta.inject.Singleton;

/** What the commands need besides the backend: the environment, JSON, the config loader. Binds only. */
final class CliModule extends AbstractModule {
    private final CliEnvironment env;
    private final Backend backend;

    CliModule(CliEnvironment env, Backend backend) {
        this.env = env;
        this.backend = backend;
    }

    @Override
    protected void configure() {
        bind(CliEnvironment.class).toInstance(env);
        bind(Backend.class).toInstance(backend);
        bind(ConfigLoader.class).in(Singleton.class);
        bind(ManagerFactory.class).in(Singleton.class);
    }

    @Provides
    @Singleton
    ObjectMapper objectMapper() {
        return new ObjectMapper();
    }
}
