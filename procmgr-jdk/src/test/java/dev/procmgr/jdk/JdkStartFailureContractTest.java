package dev.procmgr.jdk;

import dev.procmgr.spi.ProcessLauncher;
import dev.procmgr.tck.StartFailureContractTest;

class JdkStartFailureContractTest extends StartFailureContractTest {
    @Override
    protected ProcessLauncher launcher() {
        return new JdkProcessLauncher();
    }
}
