package dev.procmgr.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procmgr.api.OutputSpec;
import dev.procmgr.api.ProcessOutput;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The byte paths of a stream: the file written straight from the buffers, rotation, pass-through, late followers. */
class StreamChannelTest {
    @TempDir
    Path dir;

    @Test
    void fileOnlyRotatesAtExactlyMaxBytesWhateverTheBufferBoundaries() throws Exception {
        Path out = dir.resolve("out.log");
        byte[] data = numbered(2500);
        try (StreamChannel ch = channel(OutputSpec.file(out, 1000, 2))) {
            StreamChannel.RunSink sink = ch.openRunSink();
            int[] sizes = {7, 993, 1, 333, 666, 1, 499}; // 1000 lands on a buffer edge, 2000 inside one
            int off = 0;
            for (int i = 0; off < data.length; i++) {
                int n = Math.min(sizes[i % sizes.length], data.length - off);
                ByteBuffer b = i % 2 == 0 ? ByteBuffer.wrap(data, off, n) : direct(data, off, n);
                sink.write(b);
                off += n;
            }
            sink.close();
            assertThat(ch.lastLines(10)).isEmpty();
        }
        assertThat(Files.readAllBytes(dir.resolve("out.log.2"))).isEqualTo(Arrays.copyOfRange(data, 0, 1000));
        assertThat(Files.readAllBytes(dir.resolve("out.log.1"))).isEqualTo(Arrays.copyOfRange(data, 1000, 2000));
        assertThat(Files.readAllBytes(out)).isEqualTo(Arrays.copyOfRange(data, 2000, 2500));
        assertThat(dir.resolve("out.log.3")).doesNotExist();
    }

    @Test
    void fileAppendsAcrossRunsAndChannelsAndCountsWhatWasThere() throws Exception {
        Path out = dir.resolve("app.log");
        Files.write(out, "old\n".getBytes(StandardCharsets.US_ASCII));
        try (StreamChannel ch = channel(OutputSpec.file(out, 10, 1))) {
            StreamChannel.RunSink first = ch.openRunSink();
            first.write(ascii("run1\n"));
            first.close();
            StreamChannel.RunSink second = ch.openRunSink();
            second.write(ascii("run2\n"));
            second.close();
        }
        try (StreamChannel ch = channel(OutputSpec.file(out, 10, 1))) {
            StreamChannel.RunSink sink = ch.openRunSink();
            sink.write(ascii("new\n"));
            sink.close();
        }
        // filled to exactly 10 bytes, the 4 old ones included, then rotated mid-write
        assertThat(Files.readString(dir.resolve("app.log.1"))).isEqualTo("old\nrun1\nr");
        assertThat(Files.readString(out)).isEqualTo("un2\nnew\n");
    }

    @Test
    void fileAndCaptureSeeTheSameBytes() throws Exception {
        Path out = dir.resolve("both.log");
        try (StreamChannel ch = channel(OutputSpec.file(out, 0, 0).and(OutputSpec.capture(2)))) {
            StreamChannel.RunSink sink = ch.openRunSink();
            sink.write(ascii("a\nb"));
            sink.write(direct("c\nd\n".getBytes(StandardCharsets.US_ASCII), 0, 4));
            sink.close();
            assertThat(ch.lastLines(5)).containsExactly("bc", "d");
        }
        assertThat(Files.readString(out)).isEqualTo("a\nbc\nd\n");
    }

    @Test
    void followerThatSubscribesMidLineOnAFileOnlyStreamGetsThatLineWhole() throws Exception {
        Followers followers = new Followers("late");
        List<String> seen = new CopyOnWriteArrayList<>();
        try (StreamChannel ch = new StreamChannel("late", ProcessOutput.Stream.STDOUT,
                OutputSpec.file(dir.resolve("late.log")), followers)) {
            StreamChannel.RunSink sink = ch.openRunSink();
            sink.write(ascii("before\nhalf "));
            try (Followers.Sub s = followers.register((tag, stream, line) -> seen.add(line))) {
                ch.attach(s, 0);
                s.start();
                sink.write(ascii("a line\nafter\ntail"));
                sink.close();
                assertThat(CoreTestSupport.eventually(() -> seen.size() == 3)).isTrue();
            }
            sink = ch.openRunSink();
            sink.write(ascii("unfollowed\n"));
            sink.close();
        }
        assertThat(seen).containsExactly("half a line", "after", "tail");
        assertThat(Files.readString(dir.resolve("late.log"))).isEqualTo("before\nhalf a line\nafter\ntailunfollowed\n");
    }

    @Test
    void inheritWritesExactlyTheBuffersBytes() throws Exception {
        PrintStream saved = System.out;
        ByteArrayOutputStream host = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(host, true, StandardCharsets.UTF_8));
            try (StreamChannel ch = channel(OutputSpec.inherit())) {
                StreamChannel.RunSink sink = ch.openRunSink();
                byte[] padded = "XXhello\nYY".getBytes(StandardCharsets.US_ASCII);
                sink.write(ByteBuffer.wrap(padded, 2, 6).slice()); // array offset 2
                sink.write(direct("world\n".getBytes(StandardCharsets.US_ASCII), 0, 6));
                sink.close();
            }
        } finally {
            System.setOut(saved);
        }
        assertThat(host.toString(StandardCharsets.UTF_8)).isEqualTo("hello\nworld\n");
    }

    private StreamChannel channel(OutputSpec spec) throws Exception {
        return new StreamChannel("t", ProcessOutput.Stream.STDOUT, spec, new Followers("t"));
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static ByteBuffer direct(byte[] a, int off, int n) {
        ByteBuffer d = ByteBuffer.allocateDirect(n);
        d.put(a, off, n);
        return d.flip();
    }

    /** Bytes that say where they are: lines of a counter, so a misplaced byte shows. */
    private static byte[] numbered(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < n; i++) {
            sb.append("line ").append(i).append('\n');
        }
        return sb.substring(0, n).getBytes(StandardCharsets.US_ASCII);
    }
}
