package dev.procmgr.jdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.Guice;
import com.google.inject.Injector;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.core.ManagerOptions;
import dev.procmgr.core.ProcessManagerModule;
import dev.procmgr.core.ProcessManagers;
import dev.procmgr.spi.ProcessLauncher;
import dev.procmgr.tck.NoLeakedProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The two ways to get a manager on this backend: Guice, and ServiceLoader. */
@ExtendWith(NoLeakedProcesses.class)
class JdkWiringTest {

    @Test
    void guiceBindsASingletonManagerOnTheJdkBackend() {
        Injector injector = Guice.createInjector(
                new ProcessManagerModule(ManagerOptions.defaults().withShutdownHook(false).withGuardian(false)),
                new JdkBackendModule());
        ProcessManager pm = injector.getInstance(ProcessManager.class);
        try {
            assertThat(injector.getInstance(ProcessManager.class)).isSameAs(pm);
            assertThat(injector.getInstance(ProcessLauncher.class)).isInstanceOf(JdkProcessLauncher.class);
            ProcessContainer c = pm.create("guice", "/bin/sh", "-c", "exit 0");
            assertThat(c.onExit().join().success()).isTrue();
        } finally {
            pm.close();
        }
    }

    @Test
    void defaultGuiceWiringAsDocumented() {
        ProcessManager pm = Guice.createInjector(new ProcessManagerModule(), new JdkBackendModule())
                .getInstance(ProcessManager.class);
        try {
            assertThat(pm.create("documented", "true").onExit().join().success()).isTrue();
        } finally {
            pm.close();
        }
    }

    @Test
    void serviceLoaderFindsTheOnlyBackend() {
        assertThat(ProcessManagers.findLauncher().name()).isEqualTo("jdk");
        try (ProcessManager pm = ProcessManagers.create()) {
            assertThat(pm.create("loaded", "true").onExit().join().success()).isTrue();
        }
    }

    @Test
    void unknownBackendNameFailsWithWhatWasFound() {
        String old = System.getProperty(ProcessManagers.BACKEND_PROPERTY);
        System.setProperty(ProcessManagers.BACKEND_PROPERTY, "nope");
        try {
            assertThatThrownBy(ProcessManagers::create)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("'nope'")
                    .hasMessageContaining("jdk");
        } finally {
            if (old == null) {
                System.clearProperty(ProcessManagers.BACKEND_PROPERTY);
            } else {
                System.setProperty(ProcessManagers.BACKEND_PROPERTY, old);
            }
        }
    }

    @Test
    void systemManagerIsOnePerJvm() {
        ProcessManager a = ProcessManagers.system();
        assertThat(ProcessManagers.system()).isSameAs(a);
        ProcessContainer c = a.create("system-test", "sleep", "1000");
        assertThat(a.running("system-test")).isTrue();
        c.stop();
        assertThat(a.running("system-test")).isFalse();
    }
}
