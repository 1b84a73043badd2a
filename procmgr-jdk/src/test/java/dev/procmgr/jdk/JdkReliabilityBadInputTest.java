package dev.procmgr.jdk;

import dev.procmgr.spi.ProcessLauncher;
import dev.procmgr.tck.ReliabilityBadInputTest;

class JdkReliabilityBadInputTest extends ReliabilityBadInputTest {
    @Override
    protected ProcessLauncher launcher() {
        return new JdkProcessLauncher();
    }
}
