package dev.procmgr.jdk;

import dev.procmgr.spi.ProcessLauncher;
import dev.procmgr.tck.ContractTest;
import java.util.Optional;

/** The fallback without {@link ChildWatcher}: the JDK's pipes, a pump thread per stream, {@link Process#onExit()}. */
class JdkWithoutWatcherContractTest extends ContractTest {
    @Override
    protected ProcessLauncher launcher() {
        return new JdkProcessLauncher(Optional.empty());
    }
}
