package dev.procmgr.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.procmgr.api.InvalidSpecException;
import dev.procmgr.api.InvalidTagException;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.api.ProcessSpec;
import dev.procmgr.api.ProcessStartException;
import dev.procmgr.api.RestartPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * Bad input: each gets a precise exception with a message that names the problem, and changes
 * nothing (the manager still holds exactly the one process it held before, no process with the
 * test's marker starts, the tag asked for stays free). Each case prints one line
 * {@code RELIABILITY badinput backend=.. input=<what> exception=<class> message=<message>}, the
 * source of the table in procmgr-tck/RELIABILITY.md.
 */
@Tag("reliability")
public abstract class ReliabilityBadInputTest extends AbstractBackendTest {

    private ProcessManager pm;
    private ProcessContainer keep;

    @BeforeEach
    void oneProcessRuns() {
        pm = newManager();
        keep = pm.create("keep", "/bin/sh", "-c", "while :; do sleep 1; done", marker + "-keep");
    }

    /** Runs the call, checks type and message words, prints the row, checks that nothing changed. */
    private void rejects(String input, String tag, ThrowingCallable call, Class<? extends Throwable> type, String... words) {
        long pidBefore = keep.pid();
        Throwable t = catchThrowable(call);
        System.out.println("RELIABILITY badinput backend=" + launcher().name() + " input=" + input + " exception="
                + (t == null ? "none" : t.getClass().getSimpleName()) + " message=" + (t == null ? "" : printable(t.getMessage())));
        assertThat(t).as(input).isInstanceOf(type);
        for (String w : words) {
            assertThat(t.getMessage()).as(input).contains(w);
        }
        assertThat(pm.list()).as("registry after %s", input).containsExactly(keep);
        assertThat(keep.isAlive()).isTrue();
        assertThat(keep.pid()).isEqualTo(pidBefore);
        if (tag != null) {
            assertThat(pm.running(tag)).isFalse();
            assertThat(pm.fetch(tag)).isEmpty();
        }
        assertThat(Procs.withMarker(marker + "-bad")).as("processes started by %s", input).isEmpty();
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return b.toString();
    }

    private ProcessSpec ok() {
        return ProcessSpec.of("/bin/sh", "-c", "exit 0", marker + "-bad");
    }

    // ------------------------------------------------------------------ tags

    @Test
    void badTags() {
        rejects("tag null", null, () -> pm.create(null, ok()), InvalidTagException.class, "tag is null");
        rejects("tag empty", "", () -> pm.create("", ok()), InvalidTagException.class, "tag is empty");
        String longTag = "t".repeat(129);
        rejects("tag of 129 characters", longTag, () -> pm.create(longTag, ok()), InvalidTagException.class,
                "129 characters long", "at most 128");
        rejects("tag with a space 'a b'", "a b", () -> pm.create("a b", ok()), InvalidTagException.class,
                "invalid character (space) at position 2", "allowed are A-Z a-z 0-9 . _ : @ -");
        rejects("tag with control character U+0001", "a\u0001b", () -> pm.create("a\u0001b", ok()),
                InvalidTagException.class, "control character U+0001", "position 2");
        rejects("tag with newline", "a\nb", () -> pm.create("a\nb", ok()), InvalidTagException.class,
                "control character U+000A");
        rejects("tag with NUL", "a\0b", () -> pm.create("a\0b", ok()), InvalidTagException.class,
                "control character U+0000");
        rejects("tag with '/'", "a/b", () -> pm.create("a/b", ok()), InvalidTagException.class, "invalid character '/'");
        rejects("tag with non-ASCII 'é'", "caf\u00e9", () -> pm.create("caf\u00e9", ok()), InvalidTagException.class,
                "invalid character", "position 4");
        // the longest valid tag works
        String max = "m".repeat(128);
        pm.create(max, ok()).onExit().join();
        pm.fetch(max).orElseThrow().stop();
        // lookups with bad tags never throw
        assertThat(pm.running(null)).isFalse();
        assertThat(pm.fetch(null)).isEmpty();
        assertThat(pm.fetch("a b")).isEmpty();
    }

    @Test
    void duplicateTagIsRefusedWithoutAStart() {
        rejects("tag in use", null, () -> pm.create("keep", ok()), dev.procmgr.api.DuplicateTagException.class,
                "tag 'keep' is already in use");
    }

    // ------------------------------------------------------------------ command and files

    @Test
    void badCommands() throws Exception {
        rejects("empty executable \"\"", "e", () -> pm.create("e", ProcessSpec.of("")), InvalidSpecException.class,
                "executable is empty");
        rejects("empty executable \"\" (create(tag, exe, args))", "e", () -> pm.create("e", ""), InvalidSpecException.class,
                "executable is empty");
        rejects("null spec", "e", () -> pm.create("e", (ProcessSpec) null), NullPointerException.class, "spec is null");
        rejects("relative executable not on PATH", "np", () -> pm.create("np", ProcessSpec.of("procmgr-no-such-program")),
                ProcessStartException.class, "cannot start process 'np'", "executable 'procmgr-no-such-program' not found on PATH");
        rejects("relative path ./nope (no such file)", "rel", () -> pm.create("rel", ProcessSpec.builder("./nope")
                .directory(tmp).build()), ProcessStartException.class, "nope does not exist (no such file)");
        rejects("directory as executable", "dir", () -> pm.create("dir", ProcessSpec.of(tmp.toString())),
                ProcessStartException.class, "is a directory, not an executable");
        Path plain = tmp.resolve("plain.sh");
        Files.writeString(plain, "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(plain, PosixFilePermissions.fromString("rw-r--r--"));
        rejects("non-executable file (mode 0644)", "nx", () -> pm.create("nx", ProcessSpec.of(plain.toString())),
                ProcessStartException.class, "plain.sh is not executable (permission denied)");
        rejects("missing working directory", "wd", () -> pm.create("wd", ProcessSpec.builder("/bin/true")
                .directory(tmp.resolve("absent")).build()), ProcessStartException.class, "working directory", "absent does not exist");
        Path file = Files.writeString(tmp.resolve("afile"), "x");
        rejects("working directory is a file", "wf", () -> pm.create("wf", ProcessSpec.builder("/bin/true")
                .directory(file).build()), ProcessStartException.class, "working directory", "afile is not a directory");
        rejects("NUL byte in an argument", "nul", () -> pm.create("nul", "/bin/echo", "a\0b"), InvalidSpecException.class,
                "argument 1 contains a NUL byte: 'a\\0b'");
        rejects("NUL byte in the executable", "nul", () -> pm.create("nul", "/bin/ec\0ho"), InvalidSpecException.class,
                "executable contains a NUL byte");
    }

    // ------------------------------------------------------------------ environment

    @Test
    void badEnvironment() {
        rejects("env name with '='", "env", () -> pm.create("env", ProcessSpec.builder("/bin/true").env("A=B", "x").build()),
                InvalidSpecException.class, "invalid environment name 'A=B'", "no '=' or NUL");
        rejects("env name with NUL", "env", () -> pm.create("env", ProcessSpec.builder("/bin/true").env("A\0B", "x").build()),
                InvalidSpecException.class, "invalid environment name 'A\\0B'", "no '=' or NUL");
        rejects("env name empty", "env", () -> pm.create("env", ProcessSpec.builder("/bin/true").env("", "x").build()),
                InvalidSpecException.class, "invalid environment name ''", "must be non-empty");
        rejects("env value with NUL", "env", () -> pm.create("env", ProcessSpec.builder("/bin/true").env("A", "x\0y").build()),
                InvalidSpecException.class, "environment value of A contains a NUL byte");
        rejects("env value null", "env", () -> pm.create("env", ProcessSpec.builder("/bin/true").env("A", null).build()),
                NullPointerException.class, "environment value is null");
    }

    // ------------------------------------------------------------------ durations

    @Test
    void negativeDurations() {
        Duration neg = Duration.ofMillis(-1);
        rejects("stopTimeout -1 ms", "d", () -> pm.create("d", ProcessSpec.builder("/bin/true").stopTimeout(neg).build()),
                InvalidSpecException.class, "stopTimeout is negative: PT-0.001S");
        rejects("startSeconds -1 ms", "d", () -> pm.create("d", ProcessSpec.builder("/bin/true").startSeconds(neg).build()),
                InvalidSpecException.class, "startSeconds is negative");
        rejects("restart backoff -1 ms", "d", () -> RestartPolicy.ON_FAILURE.withBackoff(neg, Duration.ofSeconds(1)),
                InvalidSpecException.class, "initialBackoff is negative");
        rejects("restart resetAfter -1 ms", "d", () -> RestartPolicy.ON_FAILURE.withResetAfter(neg),
                InvalidSpecException.class, "resetAfter is negative");
        rejects("restart maxRestarts -1", "d", () -> RestartPolicy.ON_FAILURE.withMaxRestarts(-1),
                InvalidSpecException.class, "maxRestarts is negative: -1");
        rejects("stop(-1 ms)", null, () -> keep.stop(neg), IllegalArgumentException.class,
                "stop timeout must be zero or positive: PT-0.001S");
        assertThat(pm.running("keep")).isTrue();
    }

    /** What {@link #rejects} checks, plus: after all that, the manager still works and closes cleanly. */
    @Test
    void theManagerStillWorksAfterBadInput() {
        for (String bad : List.of("", " ", "a b", "\n")) {
            catchThrowable(() -> pm.create(bad, ok()));
        }
        catchThrowable(() -> pm.create("x", ProcessSpec.of("procmgr-no-such-program")));
        ProcessContainer c = pm.create("x", ok());
        assertThat(c.onExit().join().success()).isTrue();
        c.stop();
        keep.stop();
        assertThat(pm.list()).isEmpty();
    }
}
