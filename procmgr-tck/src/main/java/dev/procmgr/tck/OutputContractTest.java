package dev.procmgr.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.OutputSpec;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.api.ProcessOutput.Stream;
import dev.procmgr.api.ProcessOutput.Subscription;
import dev.procmgr.api.ProcessSpec;
import dev.procmgr.api.Signal;
import dev.procmgr.api.StdinSpec;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Output never blocks a child, nothing before an exit is lost, stdin works. */
public abstract class OutputContractTest extends AbstractBackendTest {

    /** 50 MB to stdout with the default capture: the child finishes, the last lines are kept. */
    @Test
    void fiftyMegabytesDoNotBlockTheChild() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("big", "/bin/sh", "-c",
                "head -c 52428800 /dev/zero | tr '\\0' 'x' | fold -w 99; echo; echo last-line");
        assertThat(c.onExit().join()).isEqualTo(ExitStatus.exited(0));
        List<String> last = c.output().lines(Stream.STDOUT, 2);
        assertThat(last).hasSize(2);
        assertThat(last.get(1)).isEqualTo("last-line");
        assertThat(c.output().lines(Stream.STDOUT)).hasSize(OutputSpec.DEFAULT_CAPTURE_LINES);
    }

    @Test
    void bothStreamsAreCapturedSeparately() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("streams", "/bin/sh", "-c", "echo out1; echo err1 >&2; echo out2; echo err2 >&2");
        c.onExit().join();
        assertThat(c.output().lines(Stream.STDOUT)).containsExactly("out1", "out2");
        assertThat(c.output().lines(Stream.STDERR)).containsExactly("err1", "err2");
        assertThat(c.output().lines(Stream.STDOUT, 1)).containsExactly("out2");
    }

    @Test
    void mergedStderrGoesToStdout() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("merged", ProcessSpec.builder("/bin/sh")
                .args("-c", "echo a; echo b >&2; echo c").mergeStderr(true).build());
        c.onExit().join();
        assertThat(c.output().lines(Stream.STDOUT)).containsExactly("a", "b", "c");
        assertThat(c.output().lines(Stream.STDERR)).isEmpty();
    }

    @Test
    void lastLineWithoutNewlineSurvivesKill9() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("dying", "/bin/sh", "-c", "echo first; printf 'famous last words'; kill -9 $$");
        assertThat(c.onExit().join()).isEqualTo(ExitStatus.killed(Signal.KILL));
        assertThat(c.output().lines(Stream.STDOUT)).containsExactly("first", "famous last words");
    }

    @Test
    void invalidUtf8IsReplacedAndLongLinesAreCut() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("odd", "/bin/sh", "-c",
                "printf 'bad \\377 byte\\n'; head -c 200000 /dev/zero | tr '\\0' 'y'; echo; echo after");
        c.onExit().join();
        List<String> lines = c.output().lines(Stream.STDOUT);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo("bad \uFFFD byte");
        assertThat(lines.get(1)).startsWith("yyyy").endsWith(" [cut]").hasSize(64 * 1024 + " [cut]".length());
        assertThat(lines.get(2)).isEqualTo("after");
    }

    @Test
    void discardAndInheritModesFinish() {
        ProcessManager pm = newManager();
        ProcessContainer d = pm.create("discard", ProcessSpec.builder("/bin/sh")
                .args("-c", "head -c 10000000 /dev/zero").output(OutputSpec.discard()).build());
        assertThat(d.onExit().join().success()).isTrue();
        assertThat(d.output().lines(Stream.STDOUT)).isEmpty();
        ProcessContainer i = pm.create("inherit", ProcessSpec.builder("/bin/sh")
                .args("-c", "echo to-host-stdout").output(OutputSpec.inherit()).build());
        assertThat(i.onExit().join().success()).isTrue();
    }

    @Test
    void fileModeIsByteExactAndAppends() throws Exception {
        Path f = tmp.resolve("logs/all-bytes.out");
        ProcessManager pm = newManager();
        ProcessSpec spec = ProcessSpec.builder("/bin/sh")
                .args("-c", "i=0; while [ $i -lt 256 ]; do printf \"\\\\$(printf %o $i)\"; i=$((i+1)); done")
                .stdout(OutputSpec.file(f)).build();
        ProcessContainer c = pm.create("bytes", spec);
        assertThat(c.onExit().join().success()).isTrue();
        byte[] expected = new byte[256];
        for (int i = 0; i < 256; i++) {
            expected[i] = (byte) i;
        }
        assertThat(Files.readAllBytes(f)).isEqualTo(expected);
        c.stop();
        pm.create("bytes", spec).onExit().join();
        assertThat(Files.size(f)).isEqualTo(512);
    }

    @Test
    void fileRotatesBySize() throws Exception {
        Path f = tmp.resolve("rot.log");
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("rotate", ProcessSpec.builder("/bin/sh")
                .args("-c", "head -c 5000000 /dev/zero | tr '\\0' 'z'; printf END")
                .stdout(OutputSpec.file(f, 1_000_000, 3).and(OutputSpec.capture(10))).build());
        assertThat(c.onExit().join().success()).isTrue();
        assertThat(Files.size(f)).isEqualTo(3);
        assertThat(Files.readString(f)).isEqualTo("END");
        for (int i = 1; i <= 3; i++) {
            assertThat(Files.size(tmp.resolve("rot.log." + i))).isEqualTo(1_000_000);
        }
        assertThat(tmp.resolve("rot.log.4")).doesNotExist();
        // one 5 MB line without newline: the capture keeps its first 64 KiB, marked as cut
        assertThat(c.output().lines(Stream.STDOUT)).singleElement().asString().endsWith("z [cut]");
    }

    @Test
    void stdinPipeRoundTripThroughCat() throws Exception {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("cat", ProcessSpec.builder("cat").stdin(StdinSpec.pipe()).build());
        OutputStream in = c.stdin();
        in.write("hello\nworld\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
        assertThat(Procs.await(SOON, () -> c.output().lines(Stream.STDOUT).size() == 2)).isTrue();
        assertThat(c.output().lines(Stream.STDOUT)).containsExactly("hello", "world");
        c.closeStdin();
        assertThat(c.onExit().join()).isEqualTo(ExitStatus.exited(0));
    }

    @Test
    void stdinFromBytesAndFromFile() throws Exception {
        ProcessManager pm = newManager();
        ProcessContainer b = pm.create("bytes-in", ProcessSpec.builder("cat")
                .stdin(StdinSpec.bytes("from bytes\n".getBytes(StandardCharsets.UTF_8))).build());
        assertThat(b.onExit().join().success()).isTrue();
        assertThat(b.output().lines(Stream.STDOUT)).containsExactly("from bytes");
        Path f = Files.writeString(tmp.resolve("in.txt"), "from file\n");
        ProcessContainer ff = pm.create("file-in", ProcessSpec.builder("cat").stdin(StdinSpec.file(f)).build());
        assertThat(ff.onExit().join().success()).isTrue();
        assertThat(ff.output().lines(Stream.STDOUT)).containsExactly("from file");
        ProcessContainer n = pm.create("null-in", "cat");
        assertThat(n.onExit().join().success()).isTrue();
    }

    @Test
    void followDeliversLinesAsTheyCome() {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("follow", ProcessSpec.builder("cat").stdin(StdinSpec.pipe()).build());
        List<String> got = new CopyOnWriteArrayList<>();
        try (Subscription s = c.output().follow((tag, stream, line) -> got.add(tag + ":" + stream + ":" + line))) {
            try (OutputStream in = c.stdin()) {
                in.write("one\ntwo\n".getBytes(StandardCharsets.UTF_8));
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            c.onExit().join();
            assertThat(Procs.await(SOON, () -> got.size() == 2)).isTrue();
            assertThat(got).containsExactly("follow:STDOUT:one", "follow:STDOUT:two");
            assertThat(s.dropped()).isZero();
        }
    }

    /**
     * {@code follow(listener, n)} while the child writes: the last n captured lines, then the new
     * ones, each line exactly once and in order (a {@code lines()} call next to {@code follow()}
     * could repeat or miss the lines written in between).
     */
    @Test
    void followWithBacklogNeitherLosesNorRepeatsALine() throws Exception {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("backlog", ProcessSpec.builder("cat").stdin(StdinSpec.pipe()).build());
        int total = 5_000; // fewer than a follower's queue holds: nothing may be dropped, however slow this machine
        java.util.Queue<Integer> arrived = new java.util.concurrent.ConcurrentLinkedQueue<>();
        Subscription s;
        try (OutputStream in = c.stdin()) {
            StringBuilder b = new StringBuilder();
            for (int i = 1; i <= total; i++) {
                b.append(i).append('\n');
                if (i == 100) { // some lines captured before anyone follows
                    in.write(b.toString().getBytes(StandardCharsets.UTF_8));
                    b.setLength(0);
                    assertThat(Procs.await(SOON, () -> c.output().lines(Stream.STDOUT, 1).contains("100"))).isTrue();
                }
            }
            byte[] rest = b.toString().getBytes(StandardCharsets.UTF_8);
            Thread writer = new Thread(() -> {
                try {
                    for (int off = 0; off < rest.length; off += 512) { // small writes: lines arrive while we subscribe
                        in.write(rest, off, Math.min(512, rest.length - off));
                        in.flush();
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            writer.start();
            s = c.output().follow((tag, stream, line) -> arrived.add(Integer.parseInt(line)), 50);
            writer.join();
        }
        try (s) {
            assertThat(c.onExit().join().success()).isTrue();
            assertThat(Procs.await(SOON, () -> arrived.contains(total))).as("last line").isTrue();
            assertThat(s.dropped()).isZero();
            List<Integer> got = List.copyOf(arrived);
            int first = got.get(0);
            assertThat(first).as("the backlog starts at or before line 100 + what came before the call").isGreaterThanOrEqualTo(51);
            for (int i = 0; i < got.size(); i++) {
                assertThat(got.get(i)).as("line %d of the follower", i).isEqualTo(first + i);
            }
        }
    }

    /** A listener that never returns drops lines; the child and other processes go on. */
    @Test
    void slowFollowerNeverStallsAnyone() {
        ProcessManager pm = newManager();
        ProcessContainer noisy = pm.create("noisy", "/bin/sh", "-c", "seq 1 100000");
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        Subscription s = noisy.output().follow((tag, stream, line) -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            ProcessContainer other = pm.create("other", "/bin/sh", "-c", "echo fine");
            assertThat(other.onExit().join().success()).isTrue();
            assertThat(other.output().lines(Stream.STDOUT)).containsExactly("fine");
            assertThat(noisy.onExit().join().success()).isTrue();
            assertThat(noisy.output().lines(Stream.STDOUT, 1)).containsExactly("100000");
            assertThat(s.dropped()).isPositive();
        } finally {
            s.close();
            never.countDown();
        }
    }

    /**
     * 50 MB to stdout and 50 MB to stderr at the same time, in each mode: the child finishes,
     * rotated files have the right sizes and count, and the last bytes are in the newest file.
     */
    @Test
    void fiftyMegabytesOnBothStreamsInEveryMode() throws Exception {
        ProcessManager pm = newManager();
        String script = "(head -c 52428800 /dev/zero | tr '\\0' 'o'; printf OUT-END) & "
                + "(head -c 52428800 /dev/zero | tr '\\0' 'e'; printf ERR-END) >&2; wait";
        ProcessContainer capture = pm.create("cap2", "/bin/sh", "-c", script);
        ProcessContainer discard = pm.create("dis2", ProcessSpec.builder("/bin/sh").args("-c", script)
                .output(OutputSpec.discard()).build());
        Path out = tmp.resolve("out.log");
        Path err = tmp.resolve("err.log");
        ProcessContainer file = pm.create("file2", ProcessSpec.builder("/bin/sh").args("-c", script)
                .stdout(OutputSpec.file(out, 1_000_000, 3)).stderr(OutputSpec.file(err, 1_000_000, 3)).build());
        for (ProcessContainer c : List.of(capture, discard, file)) {
            assertThat(c.onExit().join()).as(c.tag()).isEqualTo(ExitStatus.exited(0));
        }
        assertThat(capture.output().lines(Stream.STDOUT)).singleElement().asString().endsWith(" [cut]");
        for (Path p : List.of(out, err)) {
            long total = 52_428_800L + 7;
            assertThat(Files.size(p)).isEqualTo(total % 1_000_000);
            for (int i = 1; i <= 3; i++) {
                assertThat(Files.size(p.resolveSibling(p.getFileName() + "." + i))).isEqualTo(1_000_000);
            }
            assertThat(p.resolveSibling(p.getFileName() + ".4")).doesNotExist();
        }
        assertThat(Files.readString(out)).endsWith("oOUT-END");
        assertThat(Files.readString(err)).endsWith("eERR-END");
    }

    /** 200 MB without a single newline: the capture keeps a bounded piece; the heap does not grow with it. */
    @Test
    void twoHundredMegabytesWithoutNewlineCostBoundedMemory() {
        ProcessManager pm = newManager();
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long before = rt.totalMemory() - rt.freeMemory();
        ProcessContainer c = pm.create("noline", "/bin/sh", "-c", "head -c 209715200 /dev/zero | tr '\\0' 'n'");
        assertThat(c.onExit().join().success()).isTrue();
        System.gc();
        long after = rt.totalMemory() - rt.freeMemory();
        List<String> lines = c.output().lines(Stream.STDOUT);
        assertThat(lines).singleElement().asString().hasSize(64 * 1024 + " [cut]".length());
        assertThat(after - before).isLessThan(32L * 1024 * 1024);
    }
}
