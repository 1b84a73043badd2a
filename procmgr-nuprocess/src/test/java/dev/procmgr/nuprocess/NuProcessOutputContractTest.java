package dev.procmgr.nuprocess;

import dev.procmgr.spi.ProcessLauncher;
import dev.procmgr.tck.OutputContractTest;

class NuProcessOutputContractTest extends OutputContractTest {
    @Override
    protected ProcessLauncher launcher() {
        return new NuProcessLauncher();
    }
}
