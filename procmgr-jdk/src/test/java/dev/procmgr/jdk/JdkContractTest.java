package dev.procmgr.jdk;

import dev.procmgr.spi.ProcessLauncher;
import dev.procmgr.tck.ContractTest;

class JdkContractTest extends ContractTest {
    @Override
    protected ProcessLauncher launcher() {
        return new JdkProcessLauncher();
    }
}
