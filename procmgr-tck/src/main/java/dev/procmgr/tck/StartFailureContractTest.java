package dev.procmgr.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procmgr.api.ProcessManager;
import dev.procmgr.api.ProcessSpec;
import dev.procmgr.api.ProcessStartException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/** A process that cannot start throws {@link ProcessStartException} naming tag, command and cause; the tag stays free. */
public abstract class StartFailureContractTest extends AbstractBackendTest {

    private void assertFailsAndLeavesNothing(ProcessManager pm, String tag, ProcessSpec spec, String cause) {
        assertThatThrownBy(() -> pm.create(tag, spec))
                .isInstanceOf(ProcessStartException.class)
                .hasMessageContaining(tag)
                .hasMessageContaining(spec.executable())
                .hasMessageContaining(cause)
                .satisfies(e -> assertThat(((ProcessStartException) e).tag()).isEqualTo(tag));
        assertThat(pm.running(tag)).isFalse();
        assertThat(pm.fetch(tag)).isEmpty();
        assertThat(pm.list()).isEmpty();
        // the tag is free: it can be created right away
        pm.create(tag, "true").onExit().join();
        pm.fetch(tag).orElseThrow().stop();
    }

    @Test
    void missingExecutable() {
        ProcessManager pm = newManager();
        assertFailsAndLeavesNothing(pm, "missing", ProcessSpec.of(tmp.resolve("nope").toString()), "does not exist");
    }

    @Test
    void executableNotOnPath() {
        ProcessManager pm = newManager();
        assertFailsAndLeavesNothing(pm, "nopath", ProcessSpec.of("procmgr-no-such-program"), "not found on PATH");
    }

    @Test
    void notExecutable() throws Exception {
        Path f = tmp.resolve("plain.sh");
        Files.writeString(f, "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        ProcessManager pm = newManager();
        assertFailsAndLeavesNothing(pm, "noexec", ProcessSpec.of(f.toString()), "not executable");
    }

    @Test
    void directoryAsExecutable() {
        ProcessManager pm = newManager();
        assertFailsAndLeavesNothing(pm, "dir", ProcessSpec.of(tmp.toString()), "is a directory");
    }

    @Test
    void missingWorkingDirectory() {
        ProcessManager pm = newManager();
        assertFailsAndLeavesNothing(pm, "nodir",
                ProcessSpec.builder("sleep").args("1").directory(tmp.resolve("absent")).build(), "does not exist");
    }

    @Test
    void workingDirectoryIsAFile() throws Exception {
        Path f = Files.writeString(tmp.resolve("file"), "x");
        ProcessManager pm = newManager();
        assertFailsAndLeavesNothing(pm, "filedir",
                ProcessSpec.builder("sleep").args("1").directory(f).build(), "not a directory");
    }
}
