package dev.procmgr.jdk;

import dev.procmgr.spi.ProcessLauncher;
import dev.procmgr.tck.ReliabilityRaceTest;

class JdkReliabilityRaceTest extends ReliabilityRaceTest {
    @Override
    protected ProcessLauncher launcher() {
        return new JdkProcessLauncher();
    }
}
