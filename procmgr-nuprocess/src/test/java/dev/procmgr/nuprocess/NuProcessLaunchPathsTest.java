package dev.procmgr.nuprocess;

import static dev.procmgr.nuprocess.TestSupport.assertNoDescendants;
import static dev.procmgr.nuprocess.TestSupport.await;
import static dev.procmgr.nuprocess.TestSupport.request;
import static dev.procmgr.nuprocess.TestSupport.signalMasks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.Signal;
import dev.procmgr.nuprocess.TestSupport.CapturingSink;
import dev.procmgr.spi.LaunchedProcess;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Both launch paths, posix_spawn (the default here) and NuProcess's own, give the same results. */
class NuProcessLaunchPathsTest {

    private final NuProcessLauncher launcher = new NuProcessLauncher();
    private final List<LaunchedProcess> started = new ArrayList<>();

    private LaunchedProcess launch(List<String> argv, CapturingSink out, boolean stdinPipe, boolean merge, boolean session,
                                   boolean spawn) throws IOException {
        LaunchedProcess p = launcher.launch(request(argv, out, new CapturingSink(), stdinPipe, merge, session), spawn);
        started.add(p);
        return p;
    }

    @AfterEach
    void killWhatWasStarted() throws Exception {
        for (LaunchedProcess p : started) {
            p.signal(Signal.KILL);
        }
        for (LaunchedProcess p : started) {
            p.onExit().get(10, TimeUnit.SECONDS);
        }
        assertNoDescendants();
    }

    @Test
    void posixSpawnIsTheDefaultHere() {
        assertThat(PosixSpawn.unavailabilityCause()).isEmpty();
        assertThat(launcher.usesPosixSpawn()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void exitsSignalsMergedOutputAndStdin(boolean spawn) throws Exception {
        assertThat(await(launch(List.of("/bin/sh", "-c", "exit 7"), new CapturingSink(), false, false, false, spawn)))
                .isEqualTo(ExitStatus.exited(7));
        assertThat(await(launch(List.of("/bin/sh", "-c", "kill -USR1 $$"), new CapturingSink(), false, false, true, spawn)))
                .isEqualTo(ExitStatus.killed(Signal.USR1));
        LaunchedProcess quit = launch(List.of("/bin/sleep", "60"), new CapturingSink(), false, false, true, spawn);
        quit.signal(Signal.QUIT);
        assertThat(await(quit)).isEqualTo(ExitStatus.killed(Signal.QUIT));

        CapturingSink merged = new CapturingSink();
        assertThat(await(launch(List.of("/bin/sh", "-c", "echo 1; echo 2 >&2; echo 3; echo 4 >&2"), merged, false, true, true,
                spawn)).success()).isTrue();
        assertThat(merged.text().lines()).containsExactly("1", "2", "3", "4");
        assertThat(merged.closes.get()).isEqualTo(1);

        CapturingSink cat = new CapturingSink();
        LaunchedProcess p = launch(List.of("/bin/cat"), cat, true, false, true, spawn);
        p.writeStdin(ByteBuffer.wrap("round trip\n".getBytes(StandardCharsets.UTF_8)));
        p.closeStdin();
        assertThat(await(p).success()).isTrue();
        assertThat(cat.text()).isEqualTo("round trip\n");

        CapturingSink status = new CapturingSink();
        assertThat(await(launch(List.of("/bin/sh", "-c", "grep -E '^Sig(Blk|Ign)' /proc/self/status"), status, false, false,
                false, spawn)).success()).isTrue();
        Map<String, Long> child = signalMasks(status.text());
        // signals 1-31 (glibc keeps 32 and up for itself). Nothing blocked on either path. posix_spawn
        // resets every disposition; NuProcess's fork path cannot, so a signal this JVM itself inherited
        // as ignored (SIGHUP under nohup) stays ignored there, as with ProcessBuilder; it adds none.
        // HotSpot leaves only its shutdown signals (HUP, INT, TERM) ignored when it starts with them so.
        long shutdownSignals = (1L << 0) | (1L << 1) | (1L << 14);
        long inherited = spawn ? 0L
                : signalMasks(Files.readString(Path.of("/proc/self/status"))).get("SigIgn") & shutdownSignals;
        assertThat(child.get("SigBlk") & 0x7fffffffL).as("blocked").isZero();
        assertThat(child.get("SigIgn") & ~inherited & 0x7fffffffL).as("ignored beyond this JVM's own").isZero();
    }

    @Test
    void withPosixSpawnTheSessionExistsWhenLaunchReturns() throws Exception {
        for (int i = 0; i < 20; i++) {
            LaunchedProcess p = launch(List.of("/bin/sleep", "60"), new CapturingSink(), false, false, true, true);
            String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            assertThat(Long.parseLong(f[2])).as("pgid").isEqualTo(p.pid());
            assertThat(Long.parseLong(f[3])).as("sid").isEqualTo(p.pid());
            assertThat(p.sessionLeader()).isTrue();
        }
    }

    @Test
    void withPosixSpawnAFailedExecCarriesTheOsReason() throws Exception {
        Path script = executable("#!/nonexistent/interpreter\necho never\n");
        try {
            CapturingSink out = new CapturingSink();
            assertThatThrownBy(() -> launch(List.of(script.toString()), out, false, false, true, true))
                    .isInstanceOf(IOException.class).hasMessageContaining("error=2");
            assertThat(out.closes.get()).isEqualTo(1);
        } finally {
            Files.delete(script);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aScriptWithoutShebangRunsWithTheShellAsOnTheJdk(boolean spawn) throws Exception {
        Path script = executable("echo \"no shebang $1\"\n");
        try {
            CapturingSink out = new CapturingSink();
            assertThat(await(launch(List.of(script.toString(), "arg"), out, false, false, true, spawn)).success()).isTrue();
            assertThat(out.text()).isEqualTo("no shebang arg\n");
        } finally {
            Files.delete(script);
        }
    }

    @Test
    void nuProcessPipeFailuresGetTheErrnoText() {
        assertThat(PosixSpawn.withErrnoText("Create stdin pipe() failed, return code: -1, last error: 24"))
                .endsWith("last error: 24: error=24, Too many open files");
        assertThat(PosixSpawn.withErrnoText("other")).isEqualTo("other");
    }

    private static Path executable(String content) throws IOException {
        Path p = Files.createTempFile("nuproc", ".sh", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.writeString(p, content);
        return p;
    }
}
