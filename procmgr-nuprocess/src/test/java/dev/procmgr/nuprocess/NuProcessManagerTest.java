package dev.procmgr.nuprocess;

import static dev.procmgr.nuprocess.TestSupport.assertNoDescendants;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Guice;
import com.google.inject.Injector;
import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.OutputListener;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.api.ProcessOutput;
import dev.procmgr.api.ProcessSpec;
import dev.procmgr.api.StdinSpec;
import java.nio.charset.StandardCharsets;
import dev.procmgr.core.ManagerOptions;
import dev.procmgr.core.ProcessManagerModule;
import dev.procmgr.spi.ProcessLauncher;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The backend under the core's manager: Guice choice, and user code that throws. */
class NuProcessManagerTest {

    private static final ManagerOptions OPTIONS = ManagerOptions.defaults().withShutdownHook(false).withGuardian(false);
    private final List<ProcessManager> managers = new ArrayList<>();

    @AfterEach
    void closeManagers() throws InterruptedException {
        managers.forEach(ProcessManager::close);
        assertNoDescendants();
    }

    @Test
    void guiceModuleChoosesNuProcess() throws Exception {
        Injector injector = Guice.createInjector(new ProcessManagerModule(OPTIONS), new NuProcessBackendModule());
        ProcessLauncher launcher = injector.getInstance(ProcessLauncher.class);
        assertThat(launcher).isInstanceOf(NuProcessLauncher.class).isSameAs(injector.getInstance(ProcessLauncher.class));
        ProcessManager pm = injector.getInstance(ProcessManager.class);
        managers.add(pm);
        Method m = pm.getClass().getDeclaredMethod("launcher");
        m.setAccessible(true);
        assertThat(m.invoke(pm)).isSameAs(launcher);

        ProcessContainer c = pm.create("guice", ProcessSpec.builder("/bin/sh").args("-c", "echo via-nuprocess").build());
        assertThat(c.onExit().get(20, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(0));
        assertThat(c.output().lines(ProcessOutput.Stream.STDOUT, 10)).containsExactly("via-nuprocess");
    }

    @Test
    void aThrowingListenerStallsNeitherOutputNorExitsOfOtherProcesses() throws Exception {
        ProcessManager pm = new NuProcessManager().create(OPTIONS);
        managers.add(pm);
        AtomicInteger thrown = new AtomicInteger();
        pm.addListener((from, to) -> {
            thrown.incrementAndGet();
            throw new IllegalStateException("listener bug");
        });
        ProcessContainer bad = pm.create("bad", ProcessSpec.builder("/bin/sh").args("-c", "echo bad; exit 3")
                .listener((from, to) -> {
                    throw new IllegalStateException("spec listener bug");
                }).build());
        OutputListener throwingFollower = (tag, stream, line) -> {
            throw new IllegalStateException("output listener bug");
        };
        List<String> followed = new CopyOnWriteArrayList<>();
        bad.output().follow(throwingFollower);

        List<ProcessContainer> others = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ProcessContainer c = pm.create("ok-" + i, ProcessSpec.builder("/bin/sh")
                    .args("-c", "read go; i=0; while [ $i -lt 50 ]; do echo line-$i; i=$((i+1)); done; exit " + (i % 5))
                    .stdin(StdinSpec.pipe()).build());
            c.output().follow(throwingFollower);
            c.output().follow((tag, stream, line) -> followed.add(tag + ":" + line));
            c.stdin().write("go\n".getBytes(StandardCharsets.UTF_8));
            c.stdin().flush();
            c.closeStdin();
            others.add(c);
        }
        assertThat(bad.onExit().get(20, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(3));
        for (int i = 0; i < others.size(); i++) {
            ProcessContainer c = others.get(i);
            assertThat(c.onExit().get(20, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(i % 5));
            List<String> lines = c.output().lines(ProcessOutput.Stream.STDOUT, 100);
            assertThat(lines).hasSize(50).startsWith("line-0").endsWith("line-49");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (followed.size() < 20 * 50 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(followed).hasSize(20 * 50);
        assertThat(thrown.get()).isPositive();
    }

    /** ProcessManagers on this backend. */
    private static final class NuProcessManager {
        ProcessManager create(ManagerOptions options) {
            return dev.procmgr.core.ProcessManagers.create(new NuProcessLauncher(), options);
        }
    }
}
