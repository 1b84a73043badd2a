package dev.procmgr.jdk;

import dev.procmgr.spi.ProcessLauncher;
import dev.procmgr.tck.StopContractTest;

class JdkStopContractTest extends StopContractTest {
    @Override
    protected ProcessLauncher launcher() {
        return new JdkProcessLauncher();
    }
}
