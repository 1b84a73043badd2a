package dev.procmgr.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The bulk {@link LineSplitter} against the byte-at-a-time splitter it replaced (kept here as
 * the reference): same lines, same cuts, same replacement of invalid UTF-8, whatever the buffer
 * boundaries and buffer kinds.
 */
class LineSplitterTest {

    @Test
    void newlineAtBufferEdges() {
        assertThat(split(64, "abc\n", "\ndef", "\n", "\n", "gh", "\n")).containsExactly("abc", "", "def", "", "gh");
        assertThat(split(64, "\n", "a\n\n", "b")).containsExactly("", "a", "", "b");
    }

    @Test
    void lineSpanningManyBuffersIsJoined() {
        assertThat(split(64, "al", "p", "ha be", "ta\nga", "mma\n")).containsExactly("alpha beta", "gamma");
    }

    @Test
    void cutLineSpanningBuffersIsCutAtTheLimitAndSkippedToItsNewline() {
        assertThat(split(8, "01234", "56789", "abc", "def\nnext\n")).containsExactly("01234567 [cut]", "next");
        assertThat(split(8, "0123", "4567", "\nnext\n")).containsExactly("01234567", "next"); // exactly the limit: whole
        assertThat(split(8, "0123", "4567", "8", "\nnext")).containsExactly("01234567 [cut]", "next");
        assertThat(split(8, "0123", "4567")).containsExactly("01234567"); // at the limit at end of stream: whole
        assertThat(split(8, "0123", "45678")).containsExactly("01234567 [cut]"); // one more: cut, nothing after
        assertThat(split(8, "0123456789", "abcdef", "ghij", "\n", "x\n")).containsExactly("01234567 [cut]", "x");
    }

    @Test
    void invalidUtf8AcrossABoundaryIsReplacedAsInOneBuffer() {
        byte[] euroTruncated = {(byte) 0xE2, (byte) 0x82};
        List<String> lines = new ArrayList<>();
        LineSplitter s = new LineSplitter(64, lines::add);
        s.accept(ByteBuffer.wrap(euroTruncated));
        s.accept(ByteBuffer.wrap("A\n".getBytes(StandardCharsets.US_ASCII)));
        s.accept(ByteBuffer.wrap(new byte[] {(byte) 0xFF, 'B', (byte) 0xE2}));
        s.accept(ByteBuffer.wrap(new byte[] {(byte) 0x82, (byte) 0xAC, '\n'}));
        s.finish();
        assertThat(lines).containsExactly("\uFFFDA", "\uFFFDB€");
    }

    @Test
    void cutInsideAMultiByteCharacterReplacesItsHalf() {
        List<String> lines = new ArrayList<>();
        LineSplitter s = new LineSplitter(4, lines::add);
        s.accept(ByteBuffer.wrap("ab€".getBytes(StandardCharsets.UTF_8))); // 2 + 3 bytes: the limit falls in the euro
        s.accept(ByteBuffer.wrap("cd\nok\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(lines).containsExactly("ab\uFFFD [cut]", "ok");
    }

    @Test
    void skipKeepsThePartialLastLineForALaterConsumer() {
        List<String> lines = new ArrayList<>();
        LineSplitter s = new LineSplitter(64, lines::add);
        s.skip(ByteBuffer.wrap("unseen 1\nunseen 2\nhalf ".getBytes(StandardCharsets.UTF_8)));
        s.accept(ByteBuffer.wrap("a line\nseen\n".getBytes(StandardCharsets.UTF_8)));
        s.skip(ByteBuffer.wrap("x\ny".getBytes(StandardCharsets.UTF_8)));
        s.finish();
        assertThat(lines).containsExactly("half a line", "seen", "y");
    }

    @Test
    void skipOfAnOverlongLineStillCutsAndSkipsToTheNewline() {
        List<String> lines = new ArrayList<>();
        LineSplitter s = new LineSplitter(8, lines::add);
        s.skip(ByteBuffer.wrap("0123456789".getBytes(StandardCharsets.UTF_8)));
        s.accept(ByteBuffer.wrap("rest\nnext\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(lines).containsExactly("next");
    }

    @Test
    void directReadOnlyAndOffsetBuffersSplitLikeArrays() {
        byte[] all = "one\ntwo\nthree is longer than the limit\nfour".getBytes(StandardCharsets.UTF_8);
        for (Kind kind : Kind.values()) {
            List<String> lines = new ArrayList<>();
            LineSplitter s = new LineSplitter(12, lines::add);
            ByteBuffer b = kind.of(all, 0, 6);
            s.accept(b);
            assertThat(b.hasRemaining()).isFalse();
            s.accept(kind.of(all, 6, all.length - 6));
            s.finish();
            assertThat(lines).as(kind.name()).containsExactly("one", "two", "three is lon [cut]", "four");
        }
    }

    @Test
    void randomStreamsSplitExactlyAsTheByteWiseSplitter() {
        Random rnd = new Random(42);
        for (int round = 0; round < 2000; round++) {
            int maxLine = 1 + rnd.nextInt(round % 10 == 0 ? 200 : 40);
            byte[] data = randomStream(rnd, rnd.nextInt(3000));
            List<String> expected = new ArrayList<>();
            List<String> actual = new ArrayList<>();
            ByteWise ref = new ByteWise(maxLine, expected::add);
            LineSplitter s = new LineSplitter(maxLine, actual::add);
            Kind kind = Kind.values()[rnd.nextInt(Kind.values().length)];
            boolean withSkips = rnd.nextBoolean();
            for (int off = 0; off < data.length; ) {
                int n = Math.min(data.length - off, rnd.nextInt(4) == 0 ? rnd.nextInt(4) : 1 + rnd.nextInt(300));
                boolean deliver = !withSkips || rnd.nextBoolean();
                ref.accept(data, off, n, deliver);
                if (deliver) {
                    s.accept(kind.of(data, off, n));
                } else {
                    s.skip(kind.of(data, off, n));
                }
                off += n;
            }
            ref.finish();
            s.finish();
            assertThat(actual).as("round %d, limit %d, %s", round, maxLine, kind).isEqualTo(expected);
        }
    }

    @Test
    void directBuffersLargerThanTheCopyBufferSplitAsTheByteWiseSplitter() {
        Random rnd = new Random(7);
        for (int maxLine : new int[] {100, 20_000, LineSplitter.DEFAULT_MAX_LINE}) {
            byte[] data = new byte[100_000];
            for (int i = 0; i < data.length; i++) {
                data[i] = rnd.nextInt(30_000) == 0 ? (byte) '\n' : (byte) ('a' + rnd.nextInt(26)); // long lines across the copies
            }
            List<String> expected = new ArrayList<>();
            List<String> actual = new ArrayList<>();
            ByteWise ref = new ByteWise(maxLine, expected::add);
            LineSplitter s = new LineSplitter(maxLine, actual::add);
            for (int off = 0; off < data.length; off += 40_000) {
                int n = Math.min(40_000, data.length - off);
                ref.accept(data, off, n, true);
                s.accept(Kind.DIRECT.of(data, off, n));
            }
            ref.finish();
            s.finish();
            assertThat(actual).as("limit %d", maxLine).isEqualTo(expected).isNotEmpty();
        }
    }

    private static byte[] randomStream(Random rnd, int n) {
        byte[] alphabet = "ab\n\n\r€é".getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            int k = rnd.nextInt(20);
            b[i] = k == 0 ? (byte) rnd.nextInt(256) : alphabet[k % alphabet.length]; // some invalid UTF-8 too
        }
        return b;
    }

    private static List<String> split(int maxLine, String... chunks) {
        List<String> lines = new ArrayList<>();
        LineSplitter s = new LineSplitter(maxLine, lines::add);
        List<String> ref = new ArrayList<>();
        ByteWise r = new ByteWise(maxLine, ref::add);
        for (String c : chunks) {
            byte[] b = c.getBytes(StandardCharsets.UTF_8);
            s.accept(ByteBuffer.wrap(b));
            r.accept(b, 0, b.length, true);
        }
        s.finish();
        r.finish();
        assertThat(lines).isEqualTo(ref);
        return lines;
    }

    /** How the bytes reach the splitter: the JDK backend wraps arrays, NuProcess hands direct buffers. */
    private enum Kind {
        WRAPPED, SLICE_WITH_OFFSET, DIRECT, READ_ONLY;

        ByteBuffer of(byte[] a, int off, int n) {
            switch (this) {
                case WRAPPED:
                    return ByteBuffer.wrap(a, off, n);
                case SLICE_WITH_OFFSET: {
                    byte[] padded = new byte[n + 10];
                    System.arraycopy(a, off, padded, 5, n);
                    return ByteBuffer.wrap(padded, 3, n + 4).position(5).slice().limit(n); // arrayOffset 5
                }
                case DIRECT: {
                    ByteBuffer d = ByteBuffer.allocateDirect(n + 3);
                    d.position(3);
                    d.put(a, off, n);
                    return d.position(3);
                }
                default:
                    return ByteBuffer.wrap(a, off, n).asReadOnlyBuffer();
            }
        }
    }

    /** The splitter as it was before the bulk rewrite, byte by byte; {@code deliver=false} drops what a call emits. */
    private static final class ByteWise {
        private final Consumer<String> lines;
        private final int maxLine;
        private byte[] buf = new byte[256];
        private int len;
        private boolean skipping;
        private boolean deliver;

        ByteWise(int maxLine, Consumer<String> lines) {
            this.maxLine = maxLine;
            this.lines = lines;
        }

        void accept(byte[] a, int off, int n, boolean deliver) {
            this.deliver = deliver;
            for (int i = off; i < off + n; i++) {
                byte b = a[i];
                if (b == '\n') {
                    if (skipping) {
                        skipping = false;
                    } else {
                        emit(false);
                    }
                    len = 0;
                } else if (!skipping) {
                    if (len == maxLine) {
                        emit(true);
                        len = 0;
                        skipping = true;
                    } else {
                        if (len == buf.length) {
                            byte[] bigger = new byte[Math.min(maxLine, buf.length * 2)];
                            System.arraycopy(buf, 0, bigger, 0, len);
                            buf = bigger;
                        }
                        buf[len++] = b;
                    }
                }
            }
        }

        void finish() {
            deliver = true;
            if (len > 0 && !skipping) {
                emit(false);
            }
            len = 0;
            skipping = false;
        }

        private void emit(boolean cut) {
            String line = new String(buf, 0, len, StandardCharsets.UTF_8);
            if (deliver) {
                lines.accept(cut ? line + LineSplitter.CUT_MARK : line);
            }
        }
    }
}
