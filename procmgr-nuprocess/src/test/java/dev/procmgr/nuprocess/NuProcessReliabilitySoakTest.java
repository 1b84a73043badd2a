package dev.procmgr.nuprocess;

import dev.procmgr.spi.ProcessLauncher;
import dev.procmgr.tck.ReliabilitySoakTest;

class NuProcessReliabilitySoakTest extends ReliabilitySoakTest {
    @Override
    protected ProcessLauncher launcher() {
        return new NuProcessLauncher();
    }
}
