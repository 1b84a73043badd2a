package dev.procmgr.nuprocess;

import dev.procmgr.tck.HostExitContractTest;

class NuProcessHostExitContractTest extends HostExitContractTest {
    @Override
    protected String backendName() {
        return "nuprocess";
    }
}
