package dev.procmgr.nuprocess;

import dev.procmgr.spi.ProcessLauncher;
import dev.procmgr.tck.ReliabilityBadInputTest;

class NuProcessReliabilityBadInputTest extends ReliabilityBadInputTest {
    @Override
    protected ProcessLauncher launcher() {
        return new NuProcessLauncher();
    }
}
