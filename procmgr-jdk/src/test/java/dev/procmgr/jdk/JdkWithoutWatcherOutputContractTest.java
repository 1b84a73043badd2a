package dev.procmgr.jdk;

import dev.procmgr.spi.ProcessLauncher;
import dev.procmgr.tck.OutputContractTest;
import java.util.Optional;

/** The fallback without {@link ChildWatcher}: the JDK's pipes, a pump thread per stream, {@link Process#onExit()}. */
class JdkWithoutWatcherOutputContractTest extends OutputContractTest {
    @Override
    protected ProcessLauncher launcher() {
        return new JdkProcessLauncher(Optional.empty());
    }
}
