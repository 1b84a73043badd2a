package dev.procmgr.cli;

import com.google.inject.ConfigurationException;
import com.google.inject.Injector;
import picocli.CommandLine;

/** picocli's factory over the one injector made in {@link Main}: commands get their dependencies injected. */
final class GuiceFactory implements CommandLine.IFactory {
    private final Injector injector;
    private final CommandLine.IFactory fallback = CommandLine.defaultFactory();

    GuiceFactory(Injector injector) {
        this.injector = injector;
    }

    @Override
    public <K> K create(Class<K> cls) throws Exception {
        if (cls.getPackageName().equals(GuiceFactory.class.getPackageName())) {
            return injector.getInstance(cls);
        }
        try {
            return injector.getInstance(cls);
        } catch (ConfigurationException e) {
            return fallback.create(cls);
        }
    }
}
