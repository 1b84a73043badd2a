package dev.procmgr.cli;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * One end of a control connection: lines of UTF-8 JSON, read and written with timeouts so that
 * a slow or silent peer can never hold a thread forever, and with a cap on the line length.
 * Not thread-safe: one reader thread and one writer thread at most (reads and writes use
 * separate selectors).
 */
final class LineChannel implements AutoCloseable {

    /** The longest request line accepted (1 MiB). */
    static final int MAX_LINE = 1024 * 1024;

    /** A line longer than the cap. The rest of the line is not read; close the channel. */
    static final class LineTooLongException extends IOException {
        private static final long serialVersionUID = 1L;

        LineTooLongException(int max) {
            super("request longer than " + max + " bytes");
        }
    }

    /** No complete line in time. */
    static final class TimeoutException extends InterruptedIOException {
        private static final long serialVersionUID = 1L;

        TimeoutException(String what) {
            super(what);
        }
    }

    private final SocketChannel channel;
    private final Selector readSelector;
    private final Selector writeSelector;
    private final int maxLine;
    private final ByteBuffer in = ByteBuffer.allocate(16 * 1024);
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    LineChannel(SocketChannel channel, int maxLine) throws IOException {
        this.channel = channel;
        this.maxLine = maxLine;
        channel.configureBlocking(false);
        this.readSelector = Selector.open();
        this.writeSelector = Selector.open();
        channel.register(readSelector, SelectionKey.OP_READ);
        channel.register(writeSelector, SelectionKey.OP_WRITE);
        in.flip();
    }

    /**
     * The next line without its newline, or null at end of stream (a last line without newline
     * is returned first).
     *
     * @param timeoutMillis how long to wait for the whole line; 0 means forever
     * @throws TimeoutException when no full line came in time
     * @throws LineTooLongException when the line passes the cap
     */
    String readLine(long timeoutMillis) throws IOException {
        long deadline = timeoutMillis > 0 ? System.nanoTime() + timeoutMillis * 1_000_000 : Long.MAX_VALUE;
        while (true) {
            while (in.hasRemaining()) {
                byte b = in.get();
                if (b == '\n') {
                    String s = line.toString(StandardCharsets.UTF_8);
                    line.reset();
                    return s;
                }
                line.write(b);
                if (line.size() > maxLine) {
                    throw new LineTooLongException(maxLine);
                }
            }
            in.clear();
            int n = channel.read(in);
            in.flip();
            if (n < 0) {
                if (line.size() > 0) {
                    String s = line.toString(StandardCharsets.UTF_8);
                    line.reset();
                    return s;
                }
                return null;
            }
            if (n == 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("no complete line within " + timeoutMillis + " ms");
                }
                await(readSelector, left);
            }
        }
    }

    /**
     * Waits up to {@code nanos} for the channel to be ready. The server closes a connection from
     * another thread when it shuts down: that surfaces here as a closed channel, an I/O error the
     * caller handles, not as an unchecked exception in a connection thread.
     */
    private static void await(Selector selector, long nanos) throws IOException {
        try {
            selector.selectedKeys().clear();
            selector.select(Math.max(1, Math.min(nanos / 1_000_000, Integer.MAX_VALUE)));
        } catch (java.nio.channels.ClosedSelectorException e) {
            throw new java.nio.channels.ClosedChannelException();
        }
    }

    /**
     * True when the peer has closed its end (checked without blocking). Discards anything it
     * sent meanwhile; only for connections that are done reading requests.
     */
    boolean peerClosed() throws IOException {
        in.clear();
        int n = channel.read(in);
        in.flip();
        in.position(in.limit());
        return n < 0;
    }

    /**
     * Writes a line and its newline.
     *
     * @param timeoutMillis how long the peer may take to accept it; 0 means forever
     * @throws TimeoutException when the peer does not read in time
     */
    void writeLine(String s, long timeoutMillis) throws IOException {
        byte[] bytes = (s + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.wrap(bytes);
        long deadline = timeoutMillis > 0 ? System.nanoTime() + timeoutMillis * 1_000_000 : Long.MAX_VALUE;
        while (out.hasRemaining()) {
            if (channel.write(out) == 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("peer did not read within " + timeoutMillis + " ms");
                }
                await(writeSelector, left);
            }
        }
    }

    @Override
    public void close() {
        try {
            readSelector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            writeSelector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    static EOFException closedByPeer() {
        return new EOFException("the supervisor closed the connection");
    }
}
