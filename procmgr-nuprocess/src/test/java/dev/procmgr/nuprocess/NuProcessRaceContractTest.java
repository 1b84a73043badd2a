package dev.procmgr.nuprocess;

import dev.procmgr.spi.ProcessLauncher;
import dev.procmgr.tck.RaceContractTest;

class NuProcessRaceContractTest extends RaceContractTest {
    @Override
    protected ProcessLauncher launcher() {
        return new NuProcessLauncher();
    }
}
