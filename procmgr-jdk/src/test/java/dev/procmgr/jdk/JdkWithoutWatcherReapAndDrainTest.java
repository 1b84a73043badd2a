package dev.procmgr.jdk;

import dev.procmgr.spi.ProcessLauncher;
import java.util.Optional;

/** Reaping and draining on the fallback: the JDK's pipes, pump threads and {@link Process#onExit()}. */
class JdkWithoutWatcherReapAndDrainTest extends AbstractJdkReapAndDrainTest {
    @Override
    protected ProcessLauncher launcher() {
        return new JdkProcessLauncher(Optional.empty());
    }

    /** The JDK closes its pipe at the child's exit on JDK 25; JDK 17 keeps it (see the base class). */
    @Override
    protected boolean keepsPipesAfterExit() {
        return Runtime.version().feature() == 17;
    }
}
