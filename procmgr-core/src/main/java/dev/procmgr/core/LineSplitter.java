package dev.procmgr.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Splits a byte stream into lines on {@code \n}, decoding UTF-8 with replacement. A line longer
 * than the limit is cut, marked with {@link #CUT_MARK}, and the rest of it up to the next newline
 * is skipped, so memory stays bounded whatever the child writes. Not thread-safe: one per stream
 * per run.
 *
 * <p>Works on whole runs of bytes: it searches each buffer for newlines and decodes a line that
 * lies inside one buffer straight from it; only a line that spans buffers is copied, into a
 * carry-over buffer of at most the limit.
 */
final class LineSplitter {
    static final String CUT_MARK = " [cut]";
    static final int DEFAULT_MAX_LINE = 64 * 1024;
    private static final int SCRATCH = 16 * 1024;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;

    /** Where complete lines go, as bytes: decoding is the receiver's choice (see {@link LineRing}). */
    @FunctionalInterface
    interface Lines {
        /**
         * One line without its newline, in {@code a[from, from + n)}; the array is the splitter's
         * or the caller's and is reused after the call, so a receiver that keeps the line copies it.
         *
         * @param cut the line outgrew the limit and ends there ({@link #CUT_MARK} belongs after it)
         */
        void line(byte[] a, int from, int n, boolean cut);
    }

    private final Lines lines;
    private final int maxLine;
    private byte[] buf = new byte[256];
    private int len;
    private boolean skipping;
    private byte[] scratch; // for buffers without an accessible array (direct, read-only)

    LineSplitter(int maxLine, Lines lines) {
        this.maxLine = maxLine;
        this.lines = lines;
    }

    /** A splitter that decodes every line to a String (the cut mark appended) for {@code lines}. */
    LineSplitter(int maxLine, Consumer<String> lines) {
        this(maxLine, (a, from, n, cut) -> lines.accept(decode(a, from, n, cut)));
    }

    /** A line's bytes as text: UTF-8, malformed input replaced. */
    static String decode(byte[] a, int from, int n) {
        return new String(a, from, n, StandardCharsets.UTF_8);
    }

    /** A line's bytes as text, with {@link #CUT_MARK} after a cut one. */
    static String decode(byte[] a, int from, int n, boolean cut) {
        String line = decode(a, from, n);
        return cut ? line + CUT_MARK : line;
    }

    /** Consumes the buffer's remaining bytes, delivering every line they complete. */
    void accept(ByteBuffer bytes) {
        consume(bytes, true);
    }

    /**
     * Consumes the buffer's remaining bytes like {@link #accept} but delivers nothing: only the
     * partial line at the end is kept, so that a consumer that appears later still gets that
     * line whole. Costs the length of that partial line, not of the buffer.
     */
    void skip(ByteBuffer bytes) {
        consume(bytes, false);
    }

    /** End of stream: a last line without newline is delivered. */
    void finish() {
        if (len > 0 && !skipping) {
            emit(false, true);
        }
        len = 0;
        skipping = false;
    }

    private void consume(ByteBuffer bytes, boolean deliver) {
        if (bytes.hasArray()) {
            int from = bytes.arrayOffset() + bytes.position();
            scan(bytes.array(), from, from + bytes.remaining(), deliver);
            bytes.position(bytes.limit());
            return;
        }
        if (!deliver) {
            // skip without copying the buffer: only what follows its last newline is kept
            for (int i = bytes.limit() - 1; i >= bytes.position(); i--) {
                if (bytes.get(i) == '\n') {
                    len = 0;
                    skipping = false;
                    bytes.position(i + 1);
                    break;
                }
            }
            if (skipping) {
                bytes.position(bytes.limit());
                return;
            }
        }
        if (scratch == null) {
            scratch = new byte[SCRATCH];
        }
        while (bytes.hasRemaining()) {
            int n = Math.min(bytes.remaining(), scratch.length);
            bytes.get(scratch, 0, n);
            scan(scratch, 0, n, deliver);
        }
    }

    private void scan(byte[] a, int from, int to, boolean deliver) {
        if (!deliver) {
            // whatever came before the last newline is over: only the tail after it matters
            int last = lastNewline(a, from, to);
            if (last >= 0) {
                len = 0;
                skipping = false;
            }
            carry(a, last >= 0 ? last + 1 : from, to, false);
            return;
        }
        int i = from;
        while (i < to) {
            int nl = nextNewline(a, i, to);
            if (nl < 0) {
                carry(a, i, to, true);
                return;
            }
            if (!skipping) {
                int n = nl - i;
                if (len + n > maxLine) {
                    cut(a, i, true);
                } else if (len == 0) {
                    lines.line(a, i, n, false); // inside one buffer: no copy
                } else {
                    append(a, i, n);
                    emit(false, true);
                }
            }
            skipping = false;
            len = 0;
            i = nl + 1;
        }
    }

    /** Bytes without a newline: the start or middle of a line that goes on in a later buffer. */
    private void carry(byte[] a, int from, int to, boolean deliver) {
        if (skipping || from == to) {
            return;
        }
        if (len + (to - from) > maxLine) {
            cut(a, from, deliver);
        } else {
            append(a, from, to - from);
        }
    }

    /** The line outgrew the limit: it ends at the limit, the byte after the limit cuts it, as the byte-wise splitter did. */
    private void cut(byte[] a, int from, boolean deliver) {
        append(a, from, maxLine - len);
        emit(true, deliver);
        skipping = true;
    }

    private void append(byte[] a, int from, int n) {
        if (len + n > buf.length) {
            buf = java.util.Arrays.copyOf(buf, Math.min(maxLine, Math.max(buf.length * 2, len + n)));
        }
        System.arraycopy(a, from, buf, len, n);
        len += n;
    }

    private void emit(boolean cut, boolean deliver) {
        if (deliver) {
            lines.line(buf, 0, len, cut);
        }
        len = 0;
        if (buf.length > 4096) {
            buf = new byte[256]; // do not keep a 64 KiB buffer for a stream of short lines
        }
    }

    static int nextNewline(byte[] a, int from, int to) {
        int i = from;
        // eight bytes at a time (SWAR): the lowest byte of x with its high bit set in t is the first '\n'
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(a, i) ^ NEWLINES;
            long t = (x - 0x0101010101010101L) & ~x & 0x8080808080808080L;
            if (t != 0) {
                return i + (Long.numberOfTrailingZeros(t) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (a[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static int lastNewline(byte[] a, int from, int to) {
        for (int i = to - 1; i >= from; i--) {
            if (a[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
