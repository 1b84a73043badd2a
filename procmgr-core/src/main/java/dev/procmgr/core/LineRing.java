package dev.procmgr.core;

import java.util.ArrayList;
import java.util.List;

/**
 * The last N lines of a stream, kept as the bytes the child wrote and decoded only when read.
 * Capture then costs one copy of each line into a buffer that stays the size of N lines, instead
 * of a String per line: a child writing 100 MB of 100-byte lines made a million Strings, and on a
 * VM where first touching heap pages is dear their allocation, not the pipe, set the capture speed.
 * Not thread-safe: its owner locks.
 */
final class LineRing {
    private static final int MIN_DATA = 256;
    private static final int MIN_LINES = 16;

    private final int maxLines;
    /**
     * The lines' bytes, back to back, oldest first, wrapping around the end of the array. Both
     * arrays start empty and grow with what is kept: a process that writes nothing (most of a
     * thousand live ones) costs no buffer.
     */
    private byte[] data = new byte[0];
    private int dataHead;
    private int dataUsed;
    /** Per line, in a ring of its own: its length, or {@code ~length} for a line that was cut. */
    private int[] lengths = new int[0];
    private int first;
    private int count;

    /** @param maxLines how many lines to keep, at least 1 */
    LineRing(int maxLines) {
        if (maxLines < 1) {
            throw new IllegalArgumentException("maxLines must be at least 1: " + maxLines);
        }
        this.maxLines = maxLines;
    }

    /** Adds a line (without its newline), dropping the oldest when full. The bytes are copied. */
    void add(byte[] a, int from, int n, boolean cut) {
        if (count == maxLines) {
            dropOldest();
        }
        if (count == lengths.length) {
            lengths = linearized(lengths, first, count, Math.min(maxLines, Math.max(MIN_LINES, lengths.length * 2)));
            first = 0;
        }
        if (dataUsed + n > data.length || data.length == 0) {
            resizeData(Math.max(MIN_DATA, Math.max(dataUsed + n, data.length * 2)));
        } else if (data.length > 16 * MIN_DATA && dataUsed + n < data.length / 8) {
            // a burst of long lines is over: give the memory back
            resizeData(Math.max(MIN_DATA, data.length / 4));
        }
        int at = (dataHead + dataUsed) % data.length;
        int firstPart = Math.min(n, data.length - at);
        System.arraycopy(a, from, data, at, firstPart);
        System.arraycopy(a, from + firstPart, data, 0, n - firstPart);
        dataUsed += n;
        lengths[(first + count) % lengths.length] = cut ? ~n : n;
        count++;
    }

    /** The last {@code n} lines (fewer when fewer are kept), oldest first, decoded. */
    List<String> last(int n) {
        int k = Math.min(n, count);
        List<String> out = new ArrayList<>(k);
        int offset = dataHead;
        for (int i = 0; i < count; i++) {
            int len = lengthAt(i);
            if (i >= count - k) {
                out.add(decode(offset, len, lengths[(first + i) % lengths.length] < 0));
            }
            offset = (offset + len) % data.length;
        }
        return out;
    }

    int size() {
        return count;
    }

    private String decode(int offset, int len, boolean cut) {
        if (offset + len <= data.length) {
            return LineSplitter.decode(data, offset, len, cut);
        }
        byte[] joined = new byte[len];
        int firstPart = data.length - offset;
        System.arraycopy(data, offset, joined, 0, firstPart);
        System.arraycopy(data, 0, joined, firstPart, len - firstPart);
        return LineSplitter.decode(joined, 0, len, cut);
    }

    private int lengthAt(int i) {
        int v = lengths[(first + i) % lengths.length];
        return v < 0 ? ~v : v;
    }

    private void dropOldest() {
        int len = lengthAt(0);
        dataHead = (dataHead + len) % data.length;
        dataUsed -= len;
        first = (first + 1) % lengths.length;
        count--;
    }

    private void resizeData(int capacity) {
        byte[] bigger = new byte[capacity];
        int firstPart = Math.min(dataUsed, data.length - dataHead);
        System.arraycopy(data, dataHead, bigger, 0, firstPart);
        System.arraycopy(data, 0, bigger, firstPart, dataUsed - firstPart);
        data = bigger;
        dataHead = 0;
    }

    private static int[] linearized(int[] ring, int first, int count, int capacity) {
        int[] out = new int[capacity];
        for (int i = 0; i < count; i++) {
            out[i] = ring[(first + i) % ring.length];
        }
        return out;
    }
}
