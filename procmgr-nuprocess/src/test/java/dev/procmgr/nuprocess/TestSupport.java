package dev.procmgr.nuprocess;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procmgr.api.ExitStatus;
import dev.procmgr.spi.LaunchRequest;
import dev.procmgr.spi.LaunchedProcess;
import dev.procmgr.spi.OutputSink;
import dev.procmgr.spi.StdinSource;
import dev.procmgr.spi.StreamTarget;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/** Shared helpers: requests, capturing sinks, and the no-leftover check. */
final class TestSupport {

    private TestSupport() {
    }

    /** A sink that keeps every byte and counts closes; also remembers writes after close. */
    static class CapturingSink implements OutputSink {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final AtomicInteger closes = new AtomicInteger();
        final AtomicInteger writesAfterClose = new AtomicInteger();
        final CompletableFuture<Void> closed = new CompletableFuture<>();

        @Override
        public synchronized void write(ByteBuffer b) {
            if (closes.get() > 0) {
                writesAfterClose.incrementAndGet();
            }
            byte[] a = new byte[b.remaining()];
            b.get(a);
            bytes.write(a, 0, a.length);
        }

        @Override
        public void close() {
            closes.incrementAndGet();
            closed.complete(null);
        }

        synchronized byte[] bytes() {
            return bytes.toByteArray();
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    static LaunchRequest request(List<String> argv, CapturingSink out, CapturingSink err, boolean stdinPipe,
                                 boolean merge, boolean newSession) {
        return new LaunchRequest(argv, System.getenv(), Path.of(System.getProperty("java.io.tmpdir")),
                stdinPipe ? new StdinSource.Pipe() : new StdinSource.Null(),
                new StreamTarget.Pipe(out), merge ? new StreamTarget.Discard() : new StreamTarget.Pipe(err),
                merge, newSession);
    }

    static LaunchRequest sh(String script, CapturingSink out, CapturingSink err) {
        return request(List.of("/bin/sh", "-c", script), out, err, false, false, false);
    }

    /** SigBlk and SigIgn of a {@code /proc/PID/status} text (or its grepped lines), as bit masks. */
    static Map<String, Long> signalMasks(String procStatus) {
        Map<String, Long> masks = new HashMap<>();
        procStatus.lines().filter(l -> l.startsWith("SigBlk:") || l.startsWith("SigIgn:"))
                .forEach(l -> masks.put(l.substring(0, 6), Long.parseUnsignedLong(l.substring(7).trim(), 16)));
        return masks;
    }

    static ExitStatus await(LaunchedProcess p) throws Exception {
        return p.onExit().get(20, TimeUnit.SECONDS);
    }

    /** Waits for the JVM's children to be gone (reaped); kills and fails if they stay. */
    static void assertNoDescendants() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<ProcessHandle> left;
        do {
            left = ProcessHandle.current().descendants().collect(Collectors.toList());
            if (left.isEmpty()) {
                return;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        List<String> names = new ArrayList<>();
        for (ProcessHandle h : left) {
            names.add(h.pid() + " " + h.info().commandLine().orElse("?"));
            h.destroyForcibly();
        }
        assertThat(names).as("processes left running by the test").isEmpty();
    }
}
