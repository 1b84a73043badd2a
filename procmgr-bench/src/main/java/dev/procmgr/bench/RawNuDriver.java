package dev.procmgr.bench;

import com.zaxxer.nuprocess.NuAbstractProcessHandler;
import com.zaxxer.nuprocess.NuProcess;
import com.zaxxer.nuprocess.NuProcessBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Raw NuProcess through its public API, as a user writes it: a {@link NuProcessBuilder} and a
 * {@link NuAbstractProcessHandler} per process, {@code waitFor}, {@code destroy}. Its default
 * settings: on Linux it learns of an exit whose pipes closed first by polling {@code waitpid} in
 * a "dead pool" every 250 ms ({@code com.zaxxer.nuprocess.deadPoolPollMs}).
 */
final class RawNuDriver extends Driver {
    private final Set<NuProcess> started = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    @Override
    Handle start(Launch l) throws IOException {
        if (closed) {
            throw new IllegalStateException("driver closed");
        }
        FileChannel file = null;
        if (l.output() == Launch.Output.FILE_APPEND || l.output() == Launch.Output.FILE_ROTATING) {
            file = FileChannel.open(l.file().orElseThrow(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
        }
        Handler h = new Handler(l.output(), file);
        NuProcessBuilder b = new NuProcessBuilder(l.session() ? Setsid.prefixed(l.argv()) : l.argv());
        b.setProcessListener(h);
        NuProcess p = b.start();
        if (p == null) {
            if (file != null) {
                file.close();
            }
            throw new IOException("NuProcess could not start " + l.argv());
        }
        started.add(p);
        if (closed) { // close() ran while we started it
            p.destroy(true);
            throw new IllegalStateException("driver closed");
        }
        return new NuHandle(p, h);
    }

    @Override
    void stopAll(List<Handle> handles) throws InterruptedException {
        for (Handle h : handles) {
            ((NuHandle) h).p.destroy(false);
        }
        for (Handle h : handles) {
            ((NuHandle) h).p.waitFor(0, TimeUnit.SECONDS);
            started.remove(((NuHandle) h).p);
        }
    }

    @Override
    public void close() {
        closed = true;
        List<NuProcess> all = new ArrayList<>(started);
        for (NuProcess p : all) {
            if (p.isRunning()) {
                p.destroy(true);
            }
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (NuProcess p : all) {
            long left = until - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                p.waitFor(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        started.clear();
    }

    /** Runs on NuProcess's epoll thread. */
    private static final class Handler extends NuAbstractProcessHandler {
        final Launch.Output mode;
        final FileChannel file;
        final CompletableFuture<Integer> exit = new CompletableFuture<>();
        final CountDownLatch ready = new CountDownLatch(1);
        volatile long exitNanos;
        volatile long bytes;

        Handler(Launch.Output mode, FileChannel file) {
            this.mode = mode;
            this.file = file;
        }

        @Override
        public void onStdout(ByteBuffer buffer, boolean closed) {
            int n = buffer.remaining();
            bytes += n;
            if (file != null) {
                try {
                    while (buffer.hasRemaining()) {
                        file.write(buffer);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            } else if (mode == Launch.Output.READY && ready.getCount() > 0) {
                for (int i = buffer.position(); i < buffer.limit(); i++) {
                    if (buffer.get(i) == '\n') {
                        ready.countDown();
                        break;
                    }
                }
            }
            buffer.position(buffer.limit());
        }

        @Override
        public void onStderr(ByteBuffer buffer, boolean closed) {
            buffer.position(buffer.limit());
        }

        @Override
        public void onExit(int statusCode) {
            exitNanos = System.nanoTime();
            if (file != null) {
                try {
                    file.close();
                } catch (IOException e) {
                    // counted bytes are what matters
                }
            }
            exit.complete(statusCode);
        }
    }

    private final class NuHandle implements Handle {
        final NuProcess p;
        final Handler h;

        NuHandle(NuProcess p, Handler h) {
            this.p = p;
            this.h = h;
        }

        @Override
        public void awaitExit() throws InterruptedException {
            p.waitFor(0, TimeUnit.SECONDS);
            h.exit.join();
        }

        @Override
        public int exitCode() {
            return h.exit.join();
        }

        @Override
        public long exitSeenNanos() {
            h.exit.join();
            return h.exitNanos;
        }

        @Override
        public void awaitReady() throws InterruptedException, IOException {
            if (!h.ready.await(10, TimeUnit.SECONDS)) {
                throw new IOException("no ready line from pid " + p.getPID());
            }
        }

        @Override
        public long stopEscalating(Duration timeout) throws InterruptedException {
            long t0 = System.nanoTime();
            p.destroy(false);
            p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (p.isRunning()) {
                p.destroy(true);
                p.waitFor(0, TimeUnit.SECONDS);
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
            return h.bytes;
        }

        @Override
        public boolean isAlive() {
            return p.isRunning();
        }

        @Override
        public long pid() {
            return p.getPID();
        }
    }
}
