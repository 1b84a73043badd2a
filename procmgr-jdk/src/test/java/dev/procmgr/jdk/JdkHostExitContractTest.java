package dev.procmgr.jdk;

import dev.procmgr.tck.HostExitContractTest;

class JdkHostExitContractTest extends HostExitContractTest {
    @Override
    protected String backendName() {
        return "jdk";
    }
}
