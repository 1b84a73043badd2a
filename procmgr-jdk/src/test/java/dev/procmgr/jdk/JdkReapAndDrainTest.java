package dev.procmgr.jdk;

import dev.procmgr.spi.ProcessLauncher;

/** Reaping and draining through the {@link ChildWatcher} (pidfd and our own pipes). */
class JdkReapAndDrainTest extends AbstractJdkReapAndDrainTest {
    @Override
    protected ProcessLauncher launcher() {
        return new JdkProcessLauncher();
    }
}
