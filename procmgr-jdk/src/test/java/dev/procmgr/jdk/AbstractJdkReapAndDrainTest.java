package dev.procmgr.jdk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.api.ProcessOutput.Stream;
import dev.procmgr.spi.LaunchRequest;
import dev.procmgr.spi.LaunchedProcess;
import dev.procmgr.spi.OutputSink;
import dev.procmgr.spi.StdinSource;
import dev.procmgr.spi.StreamTarget;
import dev.procmgr.tck.AbstractBackendTest;
import dev.procmgr.tck.Procs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What the JDK backend promises about an exit, on both of its paths (with and without the
 * {@link ChildWatcher}): an exit is reported only once the child is reaped, and a descendant that
 * keeps the output pipe open neither holds up the exit nor outlives a stop, nor leaks our end of the pipe.
 */
abstract class AbstractJdkReapAndDrainTest extends AbstractBackendTest {

    private static final int EXITS = 200;
    private static final long SELF = ProcessHandle.current().pid();

    /** A sink that keeps the bytes and completes when the backend closes it. */
    static final class Sink implements OutputSink {
        private final StringBuilder text = new StringBuilder();
        final CompletableFuture<Void> closed = new CompletableFuture<>();

        @Override
        public synchronized void write(ByteBuffer bytes) {
            byte[] b = new byte[bytes.remaining()];
            bytes.get(b);
            text.append(new String(b, StandardCharsets.UTF_8));
        }

        @Override
        public void close() {
            closed.complete(null);
        }

        synchronized String text() {
            return text.toString();
        }
    }

    /** The fields of /proc/PID/stat this test needs. */
    record Stat(char state, long ppid, long pgrp, long startTime) {
        static Optional<Stat> of(long pid) {
            try {
                String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.ISO_8859_1);
                String[] f = s.substring(s.lastIndexOf(')') + 2).trim().split(" ");
                // after the command: state(3) ppid(4) pgrp(5) ... starttime(22)
                return Optional.of(new Stat(f[0].charAt(0), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[19])));
            } catch (IOException | RuntimeException e) {
                return Optional.empty(); // no such process (any more)
            }
        }

        boolean zombie() {
            return state == 'Z' || state == 'X';
        }
    }

    /** Whether pid is, after its exit was reported, still the same process or an unreaped zombie of its parent. */
    static Optional<String> notReaped(long pid, long parent, Optional<Stat> atLaunch) {
        Optional<Stat> now = Stat.of(pid);
        if (now.isEmpty()) {
            return Optional.empty();
        }
        Stat s = now.get();
        boolean sameProcess = atLaunch.isPresent() && atLaunch.get().startTime() == s.startTime();
        if (sameProcess || (s.zombie() && s.ppid() == parent)) {
            return Optional.of("pid " + pid + " " + s + (sameProcess ? " (same start time as at launch)" : ""));
        }
        return Optional.empty();
    }

    private static LaunchRequest request(List<String> argv, Sink out, Sink err, boolean newSession) {
        return new LaunchRequest(argv, System.getenv(), Path.of(System.getProperty("java.io.tmpdir")),
                new StdinSource.Null(), new StreamTarget.Pipe(out), new StreamTarget.Pipe(err), false, newSession);
    }

    /** The zombie check sees a real zombie (the child of an exec'd sleep that never waits), so the test below can fail. */
    @Test
    void theZombieCheckSeesAZombie() throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", "/bin/true & exec sleep 30").start();
        try {
            assertThat(Procs.await(SOON, () -> p.children().findAny().isPresent())).isTrue();
            long zombie = p.children().findAny().orElseThrow().pid();
            assertThat(Procs.await(SOON, () -> Stat.of(zombie).map(Stat::zombie).orElse(false))).isTrue();
            assertThat(notReaped(zombie, p.pid(), Optional.empty())).isPresent();
            assertThat(notReaped(zombie, SELF, Optional.empty())).isEmpty();
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    /** After onExit() the pid is gone, or is another process: never our zombie, never the child still there. */
    @Test
    void anExitIsReportedOnlyAfterTheChildWasReaped() throws Exception {
        int fdsBefore = openDescriptors().size();
        List<String> unreaped = new ArrayList<>();
        List<Sink> sinks = new ArrayList<>();
        int seenAtLaunch = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < EXITS; i++) {
            Sink out = new Sink();
            Sink err = new Sink();
            sinks.add(out);
            sinks.add(err);
            LaunchedProcess p = launcher().launch(request(List.of("/bin/true"), out, err, i % 2 == 0));
            Optional<Stat> atLaunch = Stat.of(p.pid());
            seenAtLaunch += atLaunch.isPresent() ? 1 : 0;
            assertThat(p.onExit().get(SOON.toSeconds(), TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(0));
            notReaped(p.pid(), SELF, atLaunch).ifPresent(unreaped::add);
            assertThat(p.isAlive()).isFalse();
        }
        System.out.printf("%s: %d launches of /bin/true and their exits in %.0f ms; /proc/PID seen right after launch %d times%n",
                getClass().getSimpleName(), EXITS, (System.nanoTime() - t0) / 1e6, seenAtLaunch);
        assertThat(unreaped).as("children whose exit was reported before they were reaped").isEmpty();
        // every pipe reaches end of file and our read end is closed
        CompletableFuture.allOf(sinks.stream().map(s -> s.closed).toArray(CompletableFuture[]::new))
                .get(SOON.toSeconds(), TimeUnit.SECONDS);
        assertThat(sinks).allMatch(s -> s.text().isEmpty());
        List<String> fds = new ArrayList<>();
        boolean fdsBack = Procs.await(SOON, () -> {
            fds.clear();
            fds.addAll(openDescriptors());
            return fds.size() <= fdsBefore + 10;
        });
        assertThat(fdsBack).as("descriptors after %d launches: %d (%d before): %s", EXITS, fds.size(), fdsBefore, fds).isTrue();
    }

    /**
     * A background subshell keeps stdout open after its parent exited: the exit is reported anyway
     * (after the core's drain grace, while the subshell still lives), with the output written
     * before it; a stop then ends the subshell, and our end of its pipe is closed.
     */
    @Test
    void aDescendantHoldingThePipeNeitherHoldsUpTheExitNorOutlivesAStop() throws Exception {
        ProcessManager pm = newManager();
        ProcessContainer c = pm.create("holder", "/bin/sh", "-c", "echo first; (sleep 30; echo late) & exit 0", marker);
        long t0 = System.nanoTime();
        ExitStatus st = c.onExit().get(SOON.toSeconds(), TimeUnit.SECONDS);
        double exitMs = (System.nanoTime() - t0) / 1e6;
        assertThat(st).isEqualTo(ExitStatus.exited(0));
        assertThat(c.output().lines(Stream.STDOUT)).containsExactly("first");
        List<Long> holders = Procs.withMarker(marker);
        assertThat(holders).as("the background subshell, alive after the exit was reported").hasSize(1);
        String pipe = Files.readSymbolicLink(Path.of("/proc", holders.get(0).toString(), "fd", "1")).toString();
        assertThat(pipe).startsWith("pipe:");
        if (keepsPipesAfterExit()) {
            assertThat(openDescriptors()).as("our end of the subshell's stdout").contains(pipe);
        }
        long group = c.pid();
        assertThat(groupMembers(group)).isNotEmpty();

        t0 = System.nanoTime();
        assertThat(c.stop()).isEqualTo(ExitStatus.exited(0));
        double stopMs = (System.nanoTime() - t0) / 1e6;
        System.out.printf("%s: exit seen %.0f ms after create() returned (the subshell holds stdout), stop %.0f ms%n",
                getClass().getSimpleName(), exitMs, stopMs);
        assertThat(Procs.await(SOON, () -> groupMembers(group).isEmpty())).as("left in group %d: %s", group, groupMembers(group))
                .isTrue();
        assertThat(Procs.withMarker(marker)).isEmpty();
        assertThat(Procs.await(SOON, () -> !openDescriptors().contains(pipe))).as("our end of %s closed", pipe).isTrue();
        assertThat(pm.running("holder")).isFalse();
    }

    /**
     * Whether our end of a child's pipe stays open after the child exited, for what its
     * descendants still write. True with the watcher's own pipes. The JDK's own pipe (the
     * fallback) is closed by the JDK when the child exits: on JDK 17 only once a blocked reader
     * has reached end of file, on JDK 25 at once, under the reader (seen in this test), so that
     * what a descendant writes after the exit is lost there.
     */
    protected boolean keepsPipesAfterExit() {
        return true;
    }

    /** Live (not zombie) processes in this process group. */
    private static List<Long> groupMembers(long pgid) {
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : dir) {
                long pid = Long.parseLong(p.getFileName().toString());
                Stat.of(pid).filter(s -> s.pgrp() == pgid && !s.zombie()).ifPresent(s -> out.add(pid));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc", e);
        }
        return out;
    }

    /** What this JVM's descriptors point to ("pipe:[123]", paths, ...). */
    static List<String> openDescriptors() {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : dir) {
                try {
                    out.add(Files.readSymbolicLink(p).toString());
                } catch (IOException e) {
                    // closed meanwhile, or the directory's own descriptor
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/fd", e);
        }
        return out;
    }
}
