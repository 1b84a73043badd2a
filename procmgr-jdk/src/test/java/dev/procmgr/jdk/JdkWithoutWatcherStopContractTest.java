package dev.procmgr.jdk;

import dev.procmgr.spi.ProcessLauncher;
import dev.procmgr.tck.StopContractTest;
import java.util.Optional;

/** The fallback without {@link ChildWatcher}: the JDK's pipes, a pump thread per stream, {@link Process#onExit()}. */
class JdkWithoutWatcherStopContractTest extends StopContractTest {
    @Override
    protected ProcessLauncher launcher() {
        return new JdkProcessLauncher(Optional.empty());
    }
}
