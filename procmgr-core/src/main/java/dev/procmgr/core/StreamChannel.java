package dev.procmgr.core;

import dev.procmgr.api.OutputSpec;
import dev.procmgr.api.ProcessOutput;
import dev.procmgr.spi.OutputSink;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * One output stream of one process, across all its runs: the capture ring, the rotating file,
 * the pass-through to the host's stream, the SLF4J forwarding and the followers. Each run gets
 * a fresh {@link OutputSink} from {@link #openRunSink()}; lines never mix partial lines of two runs.
 */
final class StreamChannel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamChannel.class);

    private final String tag;
    private final ProcessOutput.Stream stream;
    private final LineRing ring;
    private final RotatingFile file;
    private final PrintStream inherit;
    private final Logger lineLog;
    private final Level lineLevel;
    private final Followers followers;
    private volatile boolean fileFailed;

    StreamChannel(String tag, ProcessOutput.Stream stream, OutputSpec spec, Followers followers) throws IOException {
        this.tag = tag;
        this.stream = stream;
        this.followers = followers;
        int lines = 0;
        RotatingFile f = null;
        PrintStream in = null;
        Level level = null;
        for (OutputSpec.Target t : spec.targets()) {
            if (t instanceof OutputSpec.Capture c) {
                lines = Math.max(lines, c.lines());
            } else if (t instanceof OutputSpec.File fl) {
                if (f != null) {
                    throw new IOException("only one file target per stream is supported");
                }
                f = new RotatingFile(fl.path(), fl.maxBytes(), fl.keep());
            } else if (t instanceof OutputSpec.Inherit) {
                in = stream == ProcessOutput.Stream.STDOUT ? System.out : System.err;
            } else if (t instanceof OutputSpec.Log lg) {
                level = Level.valueOf(lg.level());
            }
        }
        this.ring = lines > 0 ? new LineRing(lines) : null;
        this.file = f;
        this.inherit = in;
        this.lineLevel = level;
        this.lineLog = level == null ? null : LoggerFactory.getLogger("procmgr.output." + tag);
    }

    /** A sink for the next run's bytes; its {@link RunSink#closed()} completes at end of stream. */
    RunSink openRunSink() {
        return new RunSink();
    }

    List<String> lastLines(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n is negative: " + n);
        }
        if (ring == null) {
            return List.of();
        }
        synchronized (ring) {
            return ring.last(n);
        }
    }

    /**
     * Opens this stream to a new follower, with the last {@code n} captured lines as its backlog:
     * under the ring's lock, which {@link #onLine} holds while it offers a line to the followers,
     * so a line is either in the backlog or offered afterwards, never both or neither.
     */
    void attach(Followers.Sub sub, int n) {
        if (ring == null) {
            sub.open(stream, List.of());
            return;
        }
        synchronized (ring) {
            sub.open(stream, lastLines(n));
        }
    }

    /** A complete line: kept as bytes in the ring, decoded only for a follower or the log. */
    private void onLine(byte[] a, int from, int n, boolean cut) {
        String line = null;
        if (ring != null) {
            synchronized (ring) {
                ring.add(a, from, n, cut);
                if (followers.any()) { // under the lock: see attach
                    line = LineSplitter.decode(a, from, n, cut);
                    followers.offer(stream, line);
                }
            }
        } else if (followers.any()) {
            line = LineSplitter.decode(a, from, n, cut);
            followers.offer(stream, line);
        }
        if (lineLog != null) {
            lineLog.atLevel(lineLevel).log("[{}] {}", stream == ProcessOutput.Stream.STDOUT ? "out" : "err",
                    line != null ? line : LineSplitter.decode(a, from, n, cut));
        }
    }

    /**
     * Whether the lines of the bytes at hand are wanted: by the capture ring, the log target, or
     * a follower. Followers come and go at any time (and are shared with the other stream), so
     * this is asked per write; without a consumer the splitter only keeps the partial last line,
     * so a follower that subscribes mid-line still gets that line whole, as before.
     */
    private boolean linesWanted() {
        return ring != null || lineLog != null || followers.any();
    }

    /** The bytes to the file and the host's stream; leaves the buffer's position where it was. */
    private void onBytes(ByteBuffer bytes, RunSink run) {
        int start = bytes.position();
        if (file != null && !fileFailed) {
            try {
                file.write(bytes);
            } catch (IOException e) {
                fileFailed = true; // the child must go on: keep draining, say it once
                LOG.error("output file {} of '{}' failed; its further output is not written there", file.path(), tag, e);
            } finally {
                bytes.position(start);
            }
        }
        if (inherit != null) {
            int n = bytes.remaining();
            synchronized (inherit) {
                if (bytes.hasArray()) {
                    inherit.write(bytes.array(), bytes.arrayOffset() + start, n);
                } else {
                    byte[] a = run.scratch(n);
                    bytes.get(a, 0, n);
                    bytes.position(start);
                    inherit.write(a, 0, n);
                }
                inherit.flush();
            }
        }
    }

    @Override
    public void close() {
        if (file != null) {
            try {
                file.close();
            } catch (IOException e) {
                LOG.warn("closing output file {} of '{}' failed", file.path(), tag, e);
            }
        }
    }

    /** The sink of one run. */
    final class RunSink implements OutputSink {
        private final LineSplitter splitter = new LineSplitter(LineSplitter.DEFAULT_MAX_LINE, StreamChannel.this::onLine);
        private final CompletableFuture<Void> closed = new CompletableFuture<>();
        private byte[] scratch;

        @Override
        public void write(ByteBuffer bytes) {
            try {
                onBytes(bytes, this);
                if (linesWanted()) {
                    splitter.accept(bytes);
                } else {
                    splitter.skip(bytes); // file or inherit only: no decoding, no per-line work
                }
            } catch (RuntimeException e) {
                LOG.error("output handling of '{}' failed", tag, e);
            }
        }

        @Override
        public void close() {
            try {
                splitter.finish();
            } finally {
                closed.complete(null);
            }
        }

        /** A reusable copy buffer for bytes without an accessible array; one run's calls come from one thread. */
        byte[] scratch(int n) {
            if (scratch == null || scratch.length < n) {
                scratch = new byte[n];
            }
            return scratch;
        }

        CompletableFuture<Void> closed() {
            return closed;
        }
    }
}
