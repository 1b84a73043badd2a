package dev.procmgr.jdk;

import dev.procmgr.spi.ProcessLauncher;
import java.util.Optional;

/** Reaping and draining on the fallback: the JDK's pipes, pump threads and {@link Process#onExit()}. */
class JdkWithoutWatcherReapAndDrainTest extends AbstractJdkReapAndDrainTest {
    @Override
    protected ProcessLauncher launcher() {
        return new JdkProcessLauncher(Optional.empty());
    }
}
