package dev.procmgr.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Splits a byte stream into lines on {@code \n}, decoding UTF-8 with replacement. A line longer
 * than the limit is cut, marked with {@link #CUT_MARK}, and the rest of it up to the next newline
 * is skipped, so memory stays bounded whatever the child writes. Not thread-safe: one per stream
 * per run.
 */
final class LineSplitter {
    static final String CUT_MARK = " [cut]";
    static final int DEFAULT_MAX_LINE = 64 * 1024;

    private final Consumer<String> lines;
    private final int maxLine;
    private byte[] buf = new byte[256];
    private int len;
    private boolean skipping;

    LineSplitter(int maxLine, Consumer<String> lines) {
        this.maxLine = maxLine;
        this.lines = lines;
    }

    void accept(ByteBuffer bytes) {
        while (bytes.hasRemaining()) {
            byte b = bytes.get();
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

    /** End of stream: a last line without newline is delivered. */
    void finish() {
        if (len > 0 && !skipping) {
            emit(false);
        }
        len = 0;
        skipping = false;
    }

    private void emit(boolean cut) {
        String line = new String(buf, 0, len, StandardCharsets.UTF_8);
        lines.accept(cut ? line + CUT_MARK : line);
        if (buf.length > 4096) {
            buf = new byte[256]; // do not keep a 64 KiB buffer for a stream of short lines
        }
    }
}
