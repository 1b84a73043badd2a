package dev.procmgr.jdk;

import dev.procmgr.spi.ProcessLauncher;
import dev.procmgr.tck.SupervisionContractTest;

class JdkSupervisionContractTest extends SupervisionContractTest {
    @Override
    protected ProcessLauncher launcher() {
        return new JdkProcessLauncher();
    }
}
