package dev.procmgr.core;

import dev.procmgr.api.ProcessManager;
import dev.procmgr.spi.ProcessLauncher;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Process managers for code without dependency injection.
 *
 * <p>The backend is found with {@link ServiceLoader} ({@code META-INF/services/dev.procmgr.spi.ProcessLauncher}).
 * The system property {@value #BACKEND_PROPERTY} names one ({@code jdk}, {@code nuprocess}); without it
 * exactly one available backend must be on the class path. Anything else fails at once with a
 * message that says what was found: never a silent fallback.
 */
public final class ProcessManagers {

    /** System property that picks the backend by name. */
    public static final String BACKEND_PROPERTY = "procmgr.backend";

    private ProcessManagers() {
    }

    /** A new manager on the backend found by {@link ServiceLoader}, with default options. */
    public static ProcessManager create() {
        return create(findLauncher(), ManagerOptions.defaults());
    }

    /** A new manager on this backend, with default options. */
    public static ProcessManager create(ProcessLauncher launcher) {
        return create(launcher, ManagerOptions.defaults());
    }

    /** A new manager on this backend with these options. */
    public static ProcessManager create(ProcessLauncher launcher, ManagerOptions options) {
        return new DefaultProcessManager(launcher, options);
    }

    /**
     * The JVM-wide manager, built on first use with the backend {@link #create()} would pick,
     * and stopped at JVM shutdown. Do not close it: it lives as long as the JVM.
     */
    public static ProcessManager system() {
        return SystemHolder.INSTANCE;
    }

    /** The backend {@link #create()} picks. */
    public static ProcessLauncher findLauncher() {
        List<ProcessLauncher> all = new ArrayList<>();
        ServiceLoader.load(ProcessLauncher.class).forEach(all::add);
        String wanted = System.getProperty(BACKEND_PROPERTY);
        String found = all.stream().map(ProcessLauncher::name).collect(Collectors.joining(", "));
        if (wanted != null && !wanted.isBlank()) {
            for (ProcessLauncher l : all) {
                if (l.name().equals(wanted.trim())) {
                    l.unavailabilityCause().ifPresent(c -> {
                        throw new IllegalStateException("procmgr backend '" + wanted + "' is not available: " + c);
                    });
                    return l;
                }
            }
            throw new IllegalStateException("procmgr backend '" + wanted + "' (-D" + BACKEND_PROPERTY
                    + ") is not on the class path; found: [" + found + "]");
        }
        List<ProcessLauncher> available = all.stream().filter(ProcessLauncher::isAvailable).toList();
        if (available.size() == 1) {
            return available.get(0);
        }
        if (available.isEmpty()) {
            throw new IllegalStateException("no procmgr backend available; add procmgr-jdk or procmgr-nuprocess to the "
                    + "class path (found: [" + found + "])");
        }
        throw new IllegalStateException("several procmgr backends available: [" + found + "]; choose one with -D"
                + BACKEND_PROPERTY + "=<name>");
    }

    private static final class SystemHolder {
        static final ProcessManager INSTANCE = create(findLauncher(), ManagerOptions.defaults());
    }

}
