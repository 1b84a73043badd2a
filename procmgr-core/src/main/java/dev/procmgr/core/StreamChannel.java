package dev.procmgr.core;

import dev.procmgr.api.OutputSpec;
import dev.procmgr.api.ProcessOutput;
import dev.procmgr.spi.OutputSink;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
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
    private final int captureLines;
    private final ArrayDeque<String> ring;
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
        this.captureLines = lines;
        this.ring = lines > 0 ? new ArrayDeque<>(Math.min(lines, 1024)) : null;
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
            int skip = Math.max(0, ring.size() - n);
            List<String> out = new ArrayList<>(Math.min(n, ring.size()));
            int i = 0;
            for (String s : ring) {
                if (i++ >= skip) {
                    out.add(s);
                }
            }
            return out;
        }
    }

    private void onLine(String line) {
        if (ring != null) {
            synchronized (ring) {
                if (ring.size() == captureLines) {
                    ring.removeFirst();
                }
                ring.addLast(line);
            }
        }
        if (lineLog != null) {
            lineLog.atLevel(lineLevel).log("[{}] {}", stream == ProcessOutput.Stream.STDOUT ? "out" : "err", line);
        }
        followers.offer(stream, line);
    }

    private void onBytes(ByteBuffer bytes) {
        if (file != null && !fileFailed) {
            try {
                file.write(bytes.duplicate());
            } catch (IOException e) {
                fileFailed = true; // the child must go on: keep draining, say it once
                LOG.error("output file {} of '{}' failed; its further output is not written there", file.path(), tag, e);
            }
        }
        if (inherit != null) {
            ByteBuffer b = bytes.duplicate();
            byte[] a = new byte[b.remaining()];
            b.get(a);
            synchronized (inherit) {
                inherit.write(a, 0, a.length);
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

        @Override
        public void write(ByteBuffer bytes) {
            try {
                onBytes(bytes);
                splitter.accept(bytes);
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

        CompletableFuture<Void> closed() {
            return closed;
        }
    }
}
