package dev.procmgr.nuprocess;

import dev.procmgr.spi.ProcessLauncher;
import dev.procmgr.tck.ReliabilityRaceTest;

class NuProcessReliabilityRaceTest extends ReliabilityRaceTest {
    @Override
    protected ProcessLauncher launcher() {
        return new NuProcessLauncher();
    }
}
