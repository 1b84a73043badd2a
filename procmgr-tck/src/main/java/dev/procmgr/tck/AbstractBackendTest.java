package dev.procmgr.tck;

import dev.procmgr.api.ProcessManager;
import dev.procmgr.core.ManagerOptions;
import dev.procmgr.core.ProcessManagers;
import dev.procmgr.spi.ProcessLauncher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of every contract suite: a backend test class supplies {@link #launcher()} and inherits
 * the tests. Each test gets fresh managers (closed afterwards), a temporary directory with the
 * child scripts, and a unique marker for finding its grandchildren; {@link NoLeakedProcesses}
 * fails a test that leaves a descendant alive. Timeouts guard against hangs only.
 */
@ExtendWith(NoLeakedProcesses.class)
@Timeout(120)
public abstract class AbstractBackendTest {

    /** The backend under test; a new instance or a shared one. */
    protected abstract ProcessLauncher launcher();

    @TempDir
    protected Path tmp;
    protected Scripts scripts;
    protected String marker;
    private final List<ProcessManager> managers = new ArrayList<>();

    @BeforeEach
    void setUpBase() {
        scripts = new Scripts(tmp);
        marker = "procmgr-tck-" + UUID.randomUUID();
    }

    /** A manager on the backend under test, without shutdown hook or guardian, closed after the test. */
    protected ProcessManager newManager() {
        return newManager(ManagerOptions.defaults().withShutdownHook(false).withGuardian(false));
    }

    protected ProcessManager newManager(ManagerOptions options) {
        ProcessManager pm = ProcessManagers.create(launcher(), options);
        managers.add(pm);
        return pm;
    }

    @AfterEach
    void closeManagers() {
        managers.forEach(ProcessManager::close);
        managers.clear();
        Procs.killMarked(marker);
    }

    /** Generous bound for things that should happen "soon" on a loaded 2-core machine. */
    protected static final Duration SOON = Duration.ofSeconds(20);
}
