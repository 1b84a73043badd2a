package dev.procmgr.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procmgr.api.DuplicateTagException;
import dev.procmgr.api.ManagerClosedException;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.api.ProcessSpec;
import dev.procmgr.api.RestartPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Races: {@value #THREADS} threads doing random create / stop / restart / fetch / list / running
 * on {@value #TAGS} tags for {@code race.seconds} (default {@value #DEFAULT_SECONDS}) seconds,
 * then {@code close()} while they go on for another second. Children: a loop (60%), a loop that
 * ignores TERM (20%), one that exits 1 after 0.1 s (10%), and the same restarted by the manager
 * with {@code ALWAYS} and a 20-50 ms backoff (10%), so that supervision races the workers too.
 *
 * <p>Checked throughout, while the threads run (a checker every 100 ms): no tag ever has two
 * live process trees (a pair seen in one /proc scan counts only when both are still alive when
 * looked at again), {@code list()} never shows a tag twice, a container is always found under its
 * own tag. Checked at quiescence (every 2 s the threads are held between two calls): {@code running}
 * agrees with {@code fetch} and with {@code list()}; a live process of a tag is the pid of the
 * container under that tag; no process is alive whose tag is free. After {@code close()} returned:
 * every create fails with {@link ManagerClosedException}, every restart with
 * {@link IllegalStateException}, nothing is registered and nothing lives.
 */
@Tag("reliability")
public abstract class ReliabilityRaceTest extends AbstractBackendTest {
    static final int THREADS = 32;
    static final int TAGS = 16;
    static final int DEFAULT_SECONDS = 20;

    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private final List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, AtomicLong> counts = Collections.synchronizedMap(new HashMap<>());
    private volatile boolean closeStarted;
    private volatile boolean closeReturned;
    private volatile boolean stopWorkers;

    private String tag(int i) {
        return String.format(Locale.ROOT, "r%02d", i);
    }

    /** The argv marker of a tag's processes: the test's marker, the tag, a terminator. */
    private String tagMarker(String tag) {
        return marker + "-" + tag + "-";
    }

    private void count(String what) {
        counts.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
    }

    private void violation(String what) {
        if (violations.size() < 50) {
            violations.add(what);
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void randomOperationsKeepTheInvariants() throws Exception {
        int seconds = Integer.getInteger("race.seconds", DEFAULT_SECONDS);
        String old = ReliabilityFigures.setLogLevel("dev.procmgr", "WARN");
        try {
            run(seconds);
        } finally {
            ReliabilityFigures.setLogLevel("dev.procmgr", old);
        }
    }

    private void run(int seconds) throws Exception {
        ProcessManager pm = newManager();
        ReentrantReadWriteLock gate = new ReentrantReadWriteLock(true);
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < THREADS; w++) {
            Thread t = new Thread(() -> work(pm, gate), "race-worker-" + w);
            workers.add(t);
            t.start();
        }
        long t0 = System.nanoTime();
        long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
        long nextStrict = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < end) {
            Thread.sleep(100);
            racyCheck(pm);
            if (System.nanoTime() > nextStrict) {
                gate.writeLock().lock();
                try {
                    strictCheck(pm);
                } finally {
                    gate.writeLock().unlock();
                }
                nextStrict = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            }
        }
        // close() while the workers go on
        closeStarted = true;
        long c0 = System.nanoTime();
        pm.close();
        long closeMillis = (System.nanoTime() - c0) / 1_000_000;
        closeReturned = true;
        Thread.sleep(1000);
        stopWorkers = true;
        for (Thread t : workers) {
            t.join(TimeUnit.MINUTES.toMillis(2));
            assertThat(t.isAlive()).as("worker %s ended", t.getName()).isFalse();
        }
        double took = (System.nanoTime() - t0) / 1e9;
        // after close returned nothing may live, nothing may be registered
        assertThat(pm.list()).as("registry after close").isEmpty();
        for (int i = 0; i < TAGS; i++) {
            assertThat(pm.running(tag(i))).as("running(%s) after close", tag(i)).isFalse();
        }
        List<Long> left = Procs.withMarker(marker);
        long ops = counts.entrySet().stream().filter(e -> e.getKey().startsWith("op.")).mapToLong(e -> e.getValue().get()).sum();
        System.out.println(String.format(Locale.ROOT,
                "RELIABILITY races backend=%s threads=%d tags=%d seconds=%d total=%.1f closeMs=%d ops=%d %s violations=%d unexpected=%d leftAfterClose=%d",
                launcher().name(), THREADS, TAGS, seconds, took, closeMillis, ops, new java.util.TreeMap<>(counts).toString()
                        .replace(" ", "").replace("{", "").replace("}", ""), violations.size(), unexpected.size(), left.size()));
        assertThat(violations).as("invariant violations").isEmpty();
        assertThat(unexpected).as("unexpected exceptions").isEmpty();
        assertThat(left).as("processes alive after close()").isEmpty();
        assertThat(counts.getOrDefault("check.strict", new AtomicLong()).get()).as("strict checks made").isPositive();
    }

    private void work(ProcessManager pm, ReentrantReadWriteLock gate) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        while (!stopWorkers) {
            String tag = tag(rnd.nextInt(TAGS));
            int op = rnd.nextInt(100);
            boolean afterClose = closeReturned;
            gate.readLock().lock();
            try {
                if (op < 30) {
                    create(pm, tag, rnd, afterClose);
                } else if (op < 50) {
                    count("op.stop");
                    pm.fetch(tag).ifPresent(c -> c.stop());
                } else if (op < 62) {
                    count("op.restart");
                    Optional<ProcessContainer> c = pm.fetch(tag);
                    if (c.isPresent()) {
                        try {
                            c.get().restart();
                            count("restart.ok");
                            if (afterClose) {
                                violation("restart of " + tag + " succeeded after close() returned");
                            }
                        } catch (IllegalStateException e) {
                            count("restart.refused");
                        }
                    }
                } else if (op < 77) {
                    count("op.fetch");
                    pm.fetch(tag).ifPresent(c -> {
                        if (!c.tag().equals(tag)) {
                            violation("fetch(" + tag + ") returned the container of " + c.tag());
                        }
                        c.info();
                        c.isAlive();
                        c.state();
                        c.exitStatus();
                    });
                } else if (op < 87) {
                    count("op.list");
                    checkList(pm.list());
                } else {
                    count("op.running");
                    pm.running(tag);
                }
            } catch (RuntimeException | Error e) {
                if (unexpected.size() < 20) {
                    unexpected.add(tag + ": " + e);
                }
            } finally {
                gate.readLock().unlock();
            }
        }
    }

    private void create(ProcessManager pm, String tag, ThreadLocalRandom rnd, boolean afterClose) {
        count("op.create");
        int kind = rnd.nextInt(10);
        String script = kind < 6 ? "while :; do sleep 1; done"
                : kind < 8 ? "trap '' TERM; while :; do sleep 1; done"
                : "sleep 0.1; exit 1";
        ProcessSpec.Builder spec = ProcessSpec.builder("/bin/sh").args("-c", script, tagMarker(tag))
                .stopTimeout(Duration.ofMillis(200));
        if (kind == 9) {
            // restarted by the manager itself, racing the workers' stops, restarts and close()
            spec.restartPolicy(RestartPolicy.ALWAYS.withMaxRestarts(1000).withBackoff(Duration.ofMillis(20), Duration.ofMillis(50)))
                    .startSeconds(Duration.ofMillis(50));
        }
        try {
            ProcessContainer c = pm.create(tag, spec.build());
            count("create.ok");
            if (!c.tag().equals(tag)) {
                violation("create(" + tag + ") returned a container tagged " + c.tag());
            }
            if (afterClose) {
                violation("create of " + tag + " succeeded after close() returned");
            }
        } catch (DuplicateTagException e) {
            count("create.duplicate");
        } catch (ManagerClosedException e) {
            count("create.closed");
            if (!closeStarted) {
                violation("ManagerClosedException before close(): " + e.getMessage());
            }
        }
    }

    private void checkList(List<ProcessContainer> list) {
        Set<String> seen = new HashSet<>();
        for (ProcessContainer c : list) {
            if (!seen.add(c.tag())) {
                violation("list() shows tag " + c.tag() + " twice");
            }
        }
    }

    /** A marked process of one tag: only the tree's top (a shell's fork before it execs sleep carries the marker too). */
    private record Marked(long pid, long ppid) {
    }

    /** Live marked processes by tag, tops of their trees only. */
    private Map<String, List<Long>> liveByTag() {
        Map<Long, String> tagOf = new HashMap<>();
        Map<Long, Long> parent = new HashMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path p : dir) {
                String name = p.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
                    continue;
                }
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                    int at = cmd.indexOf(marker + "-r");
                    if (at < 0) {
                        continue;
                    }
                    String stat = new String(Files.readAllBytes(p.resolve("stat")), StandardCharsets.ISO_8859_1);
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (f[0].equals("Z") || f[0].equals("X")) {
                        continue;
                    }
                    long pid = Long.parseLong(name);
                    tagOf.put(pid, cmd.substring(at + marker.length() + 1, at + marker.length() + 4));
                    parent.put(pid, Long.parseLong(f[1]));
                } catch (IOException | RuntimeException e) {
                    // gone meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Map<String, List<Long>> out = new HashMap<>();
        tagOf.forEach((pid, tag) -> {
            if (!tag.equals(tagOf.get(parent.get(pid)))) {
                out.computeIfAbsent(tag, k -> new ArrayList<>()).add(pid);
            }
        });
        return out;
    }

    private static boolean stillMarkedAndAlive(long pid) {
        return Procs.alive(pid);
    }

    private void racyCheck(ProcessManager pm) {
        count("check.racy");
        checkList(pm.list());
        liveByTag().forEach((tag, pids) -> {
            if (pids.size() > 1 && pids.stream().filter(ReliabilityRaceTest::stillMarkedAndAlive).count() > 1) {
                List<Long> again = liveByTag().getOrDefault(tag, List.of());
                if (again.size() > 1) {
                    violation("tag " + tag + " has " + again.size() + " live process trees at once: " + again);
                }
            }
        });
    }

    private void strictCheck(ProcessManager pm) {
        count("check.strict");
        Map<String, Optional<ProcessContainer>> fetched = new HashMap<>();
        Set<String> running = new HashSet<>();
        for (int i = 0; i < TAGS; i++) {
            String t = tag(i);
            boolean r = pm.running(t);
            Optional<ProcessContainer> f = pm.fetch(t);
            if (r != f.isPresent()) {
                violation("quiescent: running(" + t + ")=" + r + " but fetch is " + (f.isPresent() ? "present" : "empty"));
            }
            fetched.put(t, f);
            if (r) {
                running.add(t);
            }
        }
        Set<String> listed = new HashSet<>();
        for (ProcessContainer c : pm.list()) {
            listed.add(c.tag());
        }
        if (!listed.equals(running)) {
            violation("quiescent: list() " + listed + " differs from running " + running);
        }
        // while we hold the gate processes only end, or restart under a held tag: a live one must belong to a held tag
        Map<String, List<Long>> live = liveByTag();
        live.forEach((tag, pids) -> {
            Optional<ProcessContainer> c = fetched.get(tag);
            if (c == null || c.isEmpty()) {
                List<Long> stillAlive = pids.stream().filter(Procs::alive).toList();
                if (!stillAlive.isEmpty()) {
                    violation("quiescent: tag " + tag + " is free but its processes live: " + stillAlive);
                }
                return;
            }
            if (pids.size() > 1 && pids.stream().filter(Procs::alive).count() > 1) {
                violation("quiescent: tag " + tag + " has " + pids.size() + " live process trees: " + pids);
            }
            for (long pid : pids) {
                if (pid != c.get().pid() && Procs.alive(pid)) {
                    violation("quiescent: tag " + tag + " has live pid " + pid + " but its container has pid " + c.get().pid());
                }
            }
        });
    }
}
