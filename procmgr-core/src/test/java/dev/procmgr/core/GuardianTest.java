package dev.procmgr.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.procmgr.api.Signal;
import dev.procmgr.spi.SessionSupport;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guardian with real processes. The JVM's death is simulated by closing the pipe without
 * {@code exit}, which is what the kernel does when the JVM dies.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GuardianTest {
    private static final Duration DEADLINE = Duration.ofSeconds(5);
    /** Two children (grandchildren of this JVM) under a sh that waits. */
    private static final String TWO_CHILDREN = "sleep 1000 & sleep 1000 & wait";

    private final Procs procs = new Procs();
    private final List<Guardian> guardians = new ArrayList<>();

    @TempDir
    Path tmp;

    @BeforeAll
    static void linuxWithSetsid() {
        assumeTrue(ProcTable.available(), "needs /proc");
        assumeTrue(SessionSupport.setsidBinary().isPresent(), "needs setsid");
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (Guardian g : guardians) {
            g.close(); // "exit" for one still guarding; nothing for one whose host "died"
            g.process().waitFor(5, TimeUnit.SECONDS); // let a kill in progress finish
            g.process().destroyForcibly();
        }
        procs.killAllAndCheck();
    }

    @Test
    void hostDeathKillsEveryRegisteredGroupWithItsChildrenAndNothingElse() throws Exception {
        Guardian g = guardian(Duration.ofSeconds(2));
        List<P> registered = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Group grp = procs.group(TWO_CHILDREN, 2);
            g.launched("t" + i, grp.pgid(), true, List.of("sh"));
            registered.addAll(grp.all());
        }
        Group outsider = procs.group(TWO_CHILDREN, 2);

        long t0 = System.nanoTime();
        g.simulateHostDeath();

        assertThat(Procs.awaitDead(registered, DEADLINE)).as("registered groups and children gone").isEmpty();
        System.out.printf("guardian: pipe EOF -> last of %d processes gone: %d ms%n", registered.size(),
                (System.nanoTime() - t0) / 1_000_000);
        assertThat(g.process().waitFor(5, TimeUnit.SECONDS)).as("guardian exits").isTrue();
        assertThat(outsider.all()).as("a group never registered").allMatch(P::alive);
    }

    @Test
    void releasedGroupIsNeverSignalled() throws Exception {
        Guardian g = guardian(Duration.ofMillis(500));
        Group kept = procs.group(TWO_CHILDREN, 2);
        Path termed = tmp.resolve("termed");
        Group released = procs.group("trap 'echo term > " + termed + "' TERM; " + TWO_CHILDREN, 2);
        g.launched("kept", kept.pgid(), true, List.of("sh"));
        g.launched("released", released.pgid(), true, List.of("sh"));
        g.released(released.pgid());

        g.simulateHostDeath();

        assertThat(Procs.awaitDead(kept.all(), DEADLINE)).isEmpty();
        assertThat(g.process().waitFor(5, TimeUnit.SECONDS)).as("guardian exits").isTrue();
        assertThat(released.all()).allMatch(P::alive);
        assertThat(termed).doesNotExist();
    }

    @Test
    void termIgnoringGroupIsKilledAfterTheGrace() throws Exception {
        Guardian g = guardian(Duration.ofMillis(1500));
        // an ignored signal stays ignored in the children too
        Group stubborn = procs.group("trap '' TERM; " + TWO_CHILDREN, 2);
        g.launched("stubborn", stubborn.pgid(), true, List.of("sh"));

        long t0 = System.nanoTime();
        g.simulateHostDeath();
        Thread.sleep(600);
        assertThat(stubborn.all()).as("TERM ignored, KILL not yet sent").allMatch(P::alive);

        assertThat(Procs.awaitDead(stubborn.all(), DEADLINE)).isEmpty();
        System.out.printf("guardian: pipe EOF -> TERM-ignoring group gone (grace 1500 ms): %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
        assertThat(g.process().waitFor(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void childForkedIntoANewSessionDuringTheGraceIsKilledToo() throws Exception {
        Guardian g = guardian(Duration.ofMillis(1500));
        String marker = "procmgr-guardian-late-" + UUID.randomUUID();
        // on TERM it starts a TERM-ignoring child in a session of its own, and goes on
        Group grp = procs.group("trap 'setsid sh -c \"trap \\\"\\\" TERM; while :; do sleep 1; done\" " + marker
                + " &' TERM; while :; do sleep 1; done", 1);
        g.launched("late", grp.pgid(), true, List.of("sh"));

        g.simulateHostDeath();

        List<P> late = new ArrayList<>();
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (late.isEmpty() && System.nanoTime() - end < 0) {
            // the leader's argv holds the marker too, and so does its fork until setsid runs
            withMarker(marker).stream().filter(p -> p.pgrp() != grp.pgid()).forEach(late::add);
            Thread.sleep(10);
        }
        procs.track(late);
        assertThat(late).as("the TERM handler's child, in a session of its own").hasSize(1);
        List<P> all = new ArrayList<>(late);
        all.add(grp.leader());
        assertThat(Procs.awaitDead(all, DEADLINE)).isEmpty();
        assertThat(g.process().waitFor(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void cleanCloseKillsNothing() throws Exception {
        Guardian g = guardian(Duration.ofMillis(200));
        Group a = procs.group(TWO_CHILDREN, 2);
        Group b = procs.group(TWO_CHILDREN, 2);
        g.launched("a", a.pgid(), true, List.of("sh"));
        g.launched("b", b.pgid(), true, List.of("sh"));

        g.close();

        assertThat(g.process().isAlive()).as("close waits for the guardian").isFalse();
        assertThat(g.process().exitValue()).isZero();
        Thread.sleep(400); // longer than the grace: a wrongly started kill would be done
        assertThat(a.all()).allMatch(P::alive);
        assertThat(b.all()).allMatch(P::alive);
        assertThatCode(g::close).doesNotThrowAnyException();
        assertThatCode(() -> g.launched("c", 12345, true, List.of("x"))).doesNotThrowAnyException();
    }

    @Test
    void singlePidIsKilledWithItsChildrenButNeverItsGroup() throws Exception {
        Guardian g = guardian(Duration.ofSeconds(1));
        // both in this JVM's own process group: a group kill would hit the test itself
        Process single = procs.plain("/bin/sh", "-c", TWO_CHILDREN);
        List<P> singleTree = new ArrayList<>(procs.await(single, 2));
        singleTree.add(P.of(single.pid()).orElseThrow());
        Process sibling = procs.plain("/bin/sleep", "1000");
        g.launched("single", single.pid(), false, List.of("sh"));

        g.simulateHostDeath();

        assertThat(Procs.awaitDead(singleTree, DEADLINE)).isEmpty();
        assertThat(g.process().waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(sibling.isAlive()).as("a process in the same group, not registered").isTrue();
    }

    @Test
    void groupLeaderThatHasNotCalledSetsidYetIsKilledByPid() throws Exception {
        Guardian g = guardian(Duration.ofSeconds(1));
        // registered as a group, but (as for an instant after a setsid-prefixed launch) still in
        // this JVM's group
        Process early = procs.plain("/bin/sh", "-c", TWO_CHILDREN);
        List<P> tree = new ArrayList<>(procs.await(early, 2));
        tree.add(P.of(early.pid()).orElseThrow());
        g.launched("early", early.pid(), true, List.of("sh"));

        g.simulateHostDeath();

        assertThat(Procs.awaitDead(tree, DEADLINE)).isEmpty();
        assertThat(g.process().waitFor(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void daemonThatLeftItsGroupIsKilledToo() throws Exception {
        Guardian g = guardian(Duration.ofSeconds(1));
        Group grp = procs.group("setsid sleep 1000 & sleep 1000 & wait", 2);
        // the background child is forked before setsid(1) runs in it: wait until it has
        List<P> tree = awaitRefreshed(grp.all(), ps -> ps.stream().anyMatch(p -> p.pgrp() != grp.pgid()));
        assertThat(tree).as("one child in a session of its own").anyMatch(p -> p.pgrp() != grp.pgid());
        g.launched("daemonizing", grp.pgid(), true, List.of("sh"));

        g.simulateHostDeath();

        assertThat(Procs.awaitDead(tree, DEADLINE)).isEmpty();
        assertThat(g.process().waitFor(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void lateReleaseOfAReusedPidKeepsTheLaterProcessGuarded() throws Exception {
        Guardian g = guardian(Duration.ofMillis(500));
        Group grp = procs.group(TWO_CHILDREN, 2);
        // an earlier process had this pid; its release arrives after the new launch
        g.launched("old", grp.pgid(), true, List.of("sh"));
        g.launched("new", grp.pgid(), true, List.of("sh"));
        g.released(grp.pgid());

        g.simulateHostDeath();

        assertThat(Procs.awaitDead(grp.all(), DEADLINE)).isEmpty();
    }

    @Test
    void reusedPidIsNotSignalled() throws Exception {
        Guardian g = guardian(Duration.ofMillis(300));
        Group grp = procs.group(TWO_CHILDREN, 2);
        Process single = procs.plain("/bin/sleep", "1000");
        long groupStart = grp.leader().start();
        long singleStart = P.of(single.pid()).orElseThrow().start();
        // as if the registered processes had died and their pids been reused by these
        g.launched(grp.pgid(), true, OptionalLong.of(groupStart + 7));
        g.launched(single.pid(), false, OptionalLong.of(singleStart + 7));

        g.simulateHostDeath();

        assertThat(g.process().waitFor(5, TimeUnit.SECONDS)).as("guardian exits").isTrue();
        assertThat(grp.all()).allMatch(P::alive);
        assertThat(single.isAlive()).isTrue();
    }

    @Test
    void guardianIgnoresIntAndHupInASessionOfItsOwn() throws Exception {
        Guardian g = guardian(Duration.ofSeconds(1));
        Group grp = procs.group(TWO_CHILDREN, 2);
        g.launched("grp", grp.pgid(), true, List.of("sh"));
        awaitScriptLoaded(g);
        assertThat(ProcTable.read(g.pid()).orElseThrow().session()).as("own session").isEqualTo(g.pid());
        // nothing that keeps a terminal or a pipe of the host's busy: stdin (the control pipe), /dev/null
        Path fds = Path.of("/proc", Long.toString(g.pid()), "fd");
        try (var list = Files.list(fds)) {
            assertThat(list.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("0", "1", "2");
        }
        assertThat(Files.readSymbolicLink(fds.resolve("0")).toString()).startsWith("pipe:");
        assertThat(Files.readSymbolicLink(fds.resolve("1"))).hasToString("/dev/null");
        assertThat(Files.readSymbolicLink(fds.resolve("2"))).hasToString("/dev/null");
        assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(g.pid()), "cwd"))).hasToString("/");

        Posix posix = Posix.get().orElseThrow();
        posix.killPid(g.pid(), Signal.INT);
        posix.killPid(g.pid(), Signal.HUP);
        Thread.sleep(300);
        assertThat(g.process().isAlive()).isTrue();
        assertThat(grp.all()).allMatch(P::alive);

        g.simulateHostDeath();
        assertThat(Procs.awaitDead(grp.all(), DEADLINE)).as("still guarding after INT and HUP").isEmpty();
    }

    @Test
    void theJvmEndOfThePipeIsCloseOnExec() throws Exception {
        // a child spawned without the JDK's descriptor cleanup must not hold the pipe open
        Guardian g = guardian(Duration.ofSeconds(1));
        Path pipe = Files.readSymbolicLink(Path.of("/proc", Long.toString(g.pid()), "fd", "0"));
        List<String> flags = new ArrayList<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).equals(pipe)) {
                        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo", fd.getFileName().toString()))) {
                            if (line.startsWith("flags:")) {
                                flags.add(line.substring(6).trim());
                            }
                        }
                    }
                } catch (IOException e) {
                    // the listing's own descriptor
                }
            }
        }
        assertThat(flags).hasSize(1);
        assertThat(Long.parseLong(flags.get(0), 8) & 02000000L).as("O_CLOEXEC in %s", flags.get(0)).isNotZero();
    }

    @Test
    void aDeadGuardianIsLoggedNotThrown() throws Exception {
        Guardian g = guardian(Duration.ofSeconds(1));
        g.process().destroyForcibly();
        g.process().waitFor(5, TimeUnit.SECONDS);

        assertThatCode(() -> {
            g.launched("a", 4242, true, List.of("x"));
            g.launched("b", 4243, false, List.of("x"));
            g.released(4242);
            g.close();
        }).doesNotThrowAnyException();
    }

    @Test
    void footprintAndSpeed() throws Exception {
        Guardian g = guardian(Duration.ofSeconds(2));
        List<P> registered = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Group grp = procs.group(TWO_CHILDREN, 2);
            g.launched("t" + i, grp.pgid(), true, List.of("sh"));
            registered.addAll(grp.all());
        }
        awaitScriptLoaded(g);
        long rssKb = vmRssKb(g.pid());
        System.out.printf("guardian: pid %d VmRSS %d kB with 5 groups registered (%s)%n", g.pid(), rssKb,
                Files.readString(Path.of("/proc", Long.toString(g.pid()), "comm")).trim());
        assertThat(rssKb).as("a shell, not a JVM").isLessThan(16 * 1024);

        long t0 = System.nanoTime();
        g.simulateHostDeath();
        assertThat(Procs.awaitDead(registered, DEADLINE)).isEmpty();
        long goneMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(g.process().waitFor(5, TimeUnit.SECONDS)).isTrue();
        long exitMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("guardian: pipe EOF -> last of %d processes gone: %d ms; guardian exited: %d ms%n",
                registered.size(), goneMs, exitMs);
    }

    private Guardian guardian(Duration grace) {
        Guardian g = Guardian.start(grace);
        guardians.add(g);
        return g;
    }

    /** Waits until the guardian runs the script (it reads it from the pipe first). */
    private static void awaitScriptLoaded(Guardian g) throws InterruptedException {
        // after the script, the shell sits in read(0): its wchan is a pipe read; settle briefly
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() - end < 0) {
            Optional<ProcTable.Proc> p = ProcTable.read(g.pid());
            if (p.isPresent() && p.get().state() == 'S') {
                Thread.sleep(100);
                return;
            }
            Thread.sleep(20);
        }
    }

    /** Live processes whose argv holds the marker. */
    private static List<P> withMarker(String marker) throws IOException {
        List<P> out = new ArrayList<>();
        try (var dirs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path d : dirs) {
                try {
                    if (new String(Files.readAllBytes(d.resolve("cmdline")), StandardCharsets.UTF_8).contains(marker)) {
                        P.of(Long.parseLong(d.getFileName().toString())).ifPresent(out::add);
                    }
                } catch (IOException e) {
                    // gone meanwhile
                }
            }
        }
        return out;
    }

    private static long vmRssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }

    /** A process as /proc shows it, by pid and start time. */
    record P(long pid, long start, long pgrp) {
        static Optional<P> of(long pid) {
            return ProcTable.read(pid).filter(p -> !p.zombie()).map(p -> new P(p.pid(), p.startTicks(), p.pgrp()));
        }

        /** The same process (not a reuse of its pid) lives and is no zombie. */
        boolean alive() {
            return ProcTable.read(pid).filter(p -> !p.zombie() && p.startTicks() == start).isPresent();
        }
    }

    /**
     * Re-reads these processes (same pids and start times) until {@code done} holds for them or
     * {@link #DEADLINE} passes; returns the last reading either way, for the caller to assert on.
     */
    static List<P> awaitRefreshed(List<P> ps, java.util.function.Predicate<List<P>> done) throws InterruptedException {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            List<P> now = ps.stream().map(p -> P.of(p.pid()).filter(q -> q.start() == p.start()).orElse(p)).toList();
            if (done.test(now) || System.nanoTime() - end > 0) {
                return now;
            }
            Thread.sleep(10);
        }
    }

    /** A group leader started through setsid, with its children. */
    record Group(Process process, long pgid, P leader, List<P> children) {
        /** The leader and its children, as they were when the group started. */
        List<P> all() {
            List<P> l = new ArrayList<>(children);
            l.add(leader);
            return l;
        }
    }

    /** Starts test processes and kills every one of them at the end. Shared with StateFileTest. */
    static final class Procs {
        private final List<Process> started = new ArrayList<>();
        private final List<Long> groups = new ArrayList<>();
        private final List<P> known = new ArrayList<>();

        /** {@code setsid sh -c script}: a new session and group; waits for its {@code children}. */
        Group group(String script, int children) throws IOException, InterruptedException {
            Process p = start(List.of(SessionSupport.setsidBinary().orElseThrow().toString(), "/bin/sh", "-c", script));
            groups.add(p.pid());
            long end = System.nanoTime() + DEADLINE.toNanos();
            while (ProcTable.read(p.pid()).map(ProcTable.Proc::pgrp).orElse(-1L) != p.pid()) {
                if (System.nanoTime() - end > 0) {
                    throw new IllegalStateException("setsid did not make " + p.pid() + " a group leader");
                }
                Thread.sleep(10);
            }
            P leader = P.of(p.pid()).orElseThrow();
            known.add(leader);
            return new Group(p, p.pid(), leader, await(p, children));
        }

        /** Kills these too at the end. */
        void track(List<P> ps) {
            known.addAll(ps);
        }

        /** A plain child of this JVM, in this JVM's group. */
        Process plain(String... argv) throws IOException {
            Process p = start(List.of(argv));
            P.of(p.pid()).ifPresent(known::add);
            return p;
        }

        /** Waits until the process has {@code n} live descendants; returns them. */
        List<P> await(Process p, int n) throws InterruptedException {
            long end = System.nanoTime() + DEADLINE.toNanos();
            while (true) {
                List<P> d = p.descendants().map(h -> P.of(h.pid())).flatMap(Optional::stream)
                        .collect(Collectors.toList());
                if (d.size() >= n) {
                    known.addAll(d);
                    return d;
                }
                if (System.nanoTime() - end > 0) {
                    throw new IllegalStateException(p.pid() + " did not start " + n + " children");
                }
                Thread.sleep(10);
            }
        }

        private Process start(List<String> argv) throws IOException {
            Process p = new ProcessBuilder(argv)
                    .redirectInput(new File("/dev/null"))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            started.add(p);
            return p;
        }

        /** Processes of {@code ps} that are still alive after {@code within}; empty when all died. */
        static List<P> awaitDead(List<P> ps, Duration within) throws InterruptedException {
            long end = System.nanoTime() + within.toNanos();
            while (true) {
                List<P> alive = ps.stream().filter(P::alive).collect(Collectors.toList());
                if (alive.isEmpty() || System.nanoTime() - end > 0) {
                    return alive;
                }
                Thread.sleep(10);
            }
        }

        /** Kills everything started (groups, pids, children), then checks that nothing is left. */
        void killAllAndCheck() throws InterruptedException {
            Optional<Posix> posix = Posix.get();
            for (long pgid : groups) {
                Optional<P> leader = known.stream().filter(k -> k.pid() == pgid).findFirst();
                // the leader's number could only have been reused once its group was empty
                if (posix.isPresent() && (leader.isEmpty() || leader.get().alive() || P.of(pgid).isEmpty())) {
                    posix.get().killGroup(pgid, Signal.KILL);
                }
            }
            for (P k : known) {
                if (k.alive()) {
                    ProcessHandle.of(k.pid()).ifPresent(ProcessHandle::destroyForcibly); // checks the start time
                }
            }
            for (Process p : started) {
                p.destroyForcibly();
            }
            for (Process p : started) {
                p.waitFor(5, TimeUnit.SECONDS);
            }
            List<P> left = awaitDead(known, DEADLINE);
            List<ProcessHandle> descendants = ProcessHandle.current().descendants()
                    .filter(h -> P.of(h.pid()).isPresent()).collect(Collectors.toList());
            started.clear();
            groups.clear();
            known.clear();
            assertThat(left).as("test processes left").isEmpty();
            assertThat(descendants).as("descendants of the test JVM left").isEmpty();
        }
    }
}
