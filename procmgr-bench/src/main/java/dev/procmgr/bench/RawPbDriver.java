package dev.procmgr.bench;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Raw {@link ProcessBuilder}, written as a user would by hand. */
final class RawPbDriver extends Driver {
    private static final File DEV_NULL = new File("/dev/null");
    private final Set<Process> started = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    @Override
    Handle start(Launch l) throws IOException {
        if (closed) {
            throw new IllegalStateException("driver closed");
        }
        ProcessBuilder pb = new ProcessBuilder(l.session() ? Setsid.prefixed(l.argv()) : l.argv());
        switch (l.output()) {
            case DISCARD -> pb.redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            case DEFAULT -> {
            }
            case CAPTURE, READY -> pb.redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            case FILE_ROTATING, FILE_APPEND -> pb.redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(l.file().orElseThrow().toFile()))
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
        }
        Process p = pb.start();
        started.add(p);
        if (closed) { // close() ran while we started it
            p.destroyForcibly();
            throw new IllegalStateException("driver closed");
        }
        CompletableFuture<Long> seen = l.stampExit() ? p.onExit().thenApply(x -> System.nanoTime()) : null;
        return new PbHandle(p, l.output(), seen);
    }

    @Override
    void stopAll(List<Handle> handles) throws InterruptedException {
        for (Handle h : handles) {
            ((PbHandle) h).p.destroy();
        }
        for (Handle h : handles) {
            ((PbHandle) h).p.waitFor();
            started.remove(((PbHandle) h).p);
        }
    }

    @Override
    public void close() {
        closed = true;
        List<Process> all = new ArrayList<>(started);
        all.forEach(Process::destroyForcibly);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Process p : all) {
            try {
                p.waitFor(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        started.clear();
    }

    private final class PbHandle implements Handle {
        final Process p;
        final Launch.Output mode;
        final CompletableFuture<Long> seen;
        long bytes;

        PbHandle(Process p, Launch.Output mode, CompletableFuture<Long> seen) {
            this.p = p;
            this.mode = mode;
            this.seen = seen;
        }

        @Override
        public void awaitExit() throws Exception {
            if (mode == Launch.Output.CAPTURE) {
                byte[] buf = new byte[64 * 1024];
                try (InputStream in = p.getInputStream()) {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        bytes += n;
                    }
                }
            }
            p.waitFor();
        }

        @Override
        public int exitCode() {
            return p.exitValue();
        }

        @Override
        public long exitSeenNanos() {
            return seen.join();
        }

        @Override
        public void awaitReady() throws IOException {
            InputStream in = p.getInputStream();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                bytes++;
            }
            if (c < 0) {
                throw new IOException("no ready line from pid " + p.pid());
            }
        }

        @Override
        public long stopEscalating(Duration timeout) throws InterruptedException {
            long t0 = System.nanoTime();
            p.destroy();
            if (!p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                p.destroyForcibly();
                p.waitFor();
            }
            long took = System.nanoTime() - t0;
            started.remove(p);
            return took;
        }

        @Override
        public void release() {
            started.remove(p);
        }

        @Override
        public long bytes() {
            return bytes;
        }

        @Override
        public boolean isAlive() {
            return p.isAlive();
        }

        @Override
        public long pid() {
            return p.pid();
        }
    }
}
