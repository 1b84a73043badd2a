package dev.procmgr.cli;

import com.google.inject.Module;
import dev.procmgr.jdk.JdkBackendModule;
import dev.procmgr.nuprocess.NuProcessBackendModule;
import java.util.Locale;
import java.util.function.Supplier;

/** The backends the CLI can run on, each by its Guice module. Chosen once, in {@link Main}. */
enum Backend {
    jdk(JdkBackendModule::new),
    nuprocess(NuProcessBackendModule::new);

    /** Without {@code --backend} or {@code -Dprocmgr.backend}. */
    static final Backend DEFAULT = jdk;

    private final Supplier<Module> module;

    Backend(Supplier<Module> module) {
        this.module = module;
    }

    Module module() {
        return module.get();
    }

    /**
     * The backend asked for: {@code --backend NAME} (before {@code --}), else the system property
     * {@code procmgr.backend}, else {@link #DEFAULT}.
     *
     * @throws IllegalArgumentException naming the choices, for an unknown name
     */
    static Backend choose(String[] args, String property) {
        String wanted = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                break;
            }
            if (a.equals("--backend") && i + 1 < args.length) {
                wanted = args[i + 1];
                break;
            }
            if (a.startsWith("--backend=")) {
                wanted = a.substring("--backend=".length());
                break;
            }
        }
        if (wanted == null) {
            wanted = property;
        }
        if (wanted == null || wanted.isBlank()) {
            return DEFAULT;
        }
        return parse(wanted);
    }

    static Backend parse(String name) {
        try {
            return valueOf(name.trim().toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown backend '" + name + "'; one of jdk, nuprocess");
        }
    }
}
