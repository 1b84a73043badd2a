package dev.procmgr.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The scenarios, run inside one worker JVM on one column. Every method leaves no process behind:
 * each process it starts is waited for, stopped, or killed by {@link Driver#close()}.
 */
final class Scenarios {
    static final String TRUE = "/bin/true";
    static final String SH = "/bin/sh";
    static final String SLEEP = findSleep();
    static final String CAT = findCat();

    private final Driver driver;
    private final Map<String, List<Double>> metrics = new LinkedHashMap<>();
    private final Set<Task> warmedUp = new HashSet<>(); // tasks whose warm-up loop has run
    private volatile boolean abandoned;
    private Path dataFile;
    private Path tmpDir;

    Scenarios(Driver driver) {
        this.driver = driver;
    }

    Map<String, List<Double>> metrics() {
        return metrics;
    }

    private void add(String key, double value) {
        metrics.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }

    /** Runs a task whole: its warm-up, then all its repetitions. */
    void run(Task t) throws Exception {
        if (interleavable(t.scenario())) {
            for (int rep = 0; rep < t.param("reps"); rep++) {
                runRepetition(t);
            }
            return;
        }
        switch (t.scenario()) {
            case "live" -> live(t);
            case "stopkill" -> stopKill(t);
            case "output" -> output(t);
            default -> throw new IllegalArgumentException("unknown scenario " + t.scenario());
        }
    }

    /**
     * Whether the scenario's repetitions can be run one at a time ({@link #runRepetition}), so
     * that the runner can interleave them with the other columns' workers.
     */
    static boolean interleavable(String scenario) {
        return scenario.startsWith("spawn.") || scenario.equals("exit") || scenario.equals("exit.kill");
    }

    /**
     * Runs one repetition of an {@linkplain #interleavable interleavable} task; the task's first
     * in this worker is preceded by its warm-up (and, the worker's first of all, by the JIT's).
     */
    void runRepetition(Task t) throws Exception {
        switch (t.scenario()) {
            case "spawn.seq" -> spawn(t, "spawn.seq", Launch.of(Launch.Output.DISCARD, t.session(), TRUE), 1, false);
            case "spawn.par2" -> spawn(t, "spawn.par2", Launch.of(Launch.Output.DISCARD, t.session(), TRUE), 2, false);
            case "spawn.pipe" -> spawn(t, "spawn.pipe", Launch.of(Launch.Output.DISCARD, t.session(), TRUE), 1, true);
            case "spawn.seqdefault" -> spawn(t, "spawn.seqdefault", Launch.of(Launch.Output.DEFAULT, t.session(), TRUE), 1, false);
            case "exit" -> exitLatency(t);
            case "exit.kill" -> killLatency(t);
            default -> throw new IllegalArgumentException("scenario " + t.scenario() + " runs whole tasks only");
        }
    }

    /** True the first time it is asked about a task: its warm-up is due. */
    private boolean firstTime(Task t) {
        return warmedUp.add(t);
    }

    // ------------------------------------------------------------------ 1. spawn throughput

    private boolean jvmWarmedUp;

    /**
     * The JIT warm-up of this worker, on the launch the task repeats (the detection rows: the exit
     * row's), unless done already. The runner asks for it before the first round, for as many
     * workers at a time as there are cores: nothing is measured then, and it took 4 workers x 1-8 s
     * one after another.
     */
    void jitWarmUp(Task t) throws Exception {
        Launch l = switch (t.scenario()) {
            case "spawn.seqdefault" -> Launch.of(Launch.Output.DEFAULT, t.session(), TRUE);
            case "exit", "exit.kill" -> Launch.of(Launch.Output.DEFAULT, t.session(), SH, "-c", "exit 3");
            default -> Launch.of(Launch.Output.DISCARD, t.session(), TRUE);
        };
        jvmWarmUp(t, l);
    }

    /**
     * Before the first timed launch of a worker JVM: start and wait until the JIT is quiet (its
     * total compilation time grew by less than 5 ms over the last 250 ms of launches), at least
     * 1 s and at most 8 s (3 s in quick mode). Without it procmgr's rows were timed while the
     * compiler threads still worked through its larger code path and took one of the two cores,
     * and the raw libraries, with less code, were already compiled. The same rule for every column.
     */
    private void jvmWarmUp(Task t, Launch l) throws Exception {
        if (jvmWarmedUp || t.params().containsKey("warm")) {
            return; // smoke mode sets "warm": it checks completeness, not speed
        }
        jvmWarmedUp = true;
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        long t0 = System.nanoTime();
        long chunk = Duration.ofMillis(250).toNanos();
        long compiled = jit.getTotalCompilationTime();
        while (true) {
            loop(l, Integer.MAX_VALUE, chunk, 1, false);
            long now = jit.getTotalCompilationTime();
            long elapsed = System.nanoTime() - t0;
            boolean quiet = now - compiled < 5;
            compiled = now;
            long max = Duration.ofMillis(t.params().getOrDefault("jitMaxMs", 8000L)).toNanos();
            if ((quiet && elapsed >= Duration.ofSeconds(1).toNanos()) || elapsed >= max) {
                return;
            }
        }
    }

    /** One repetition of a spawn row (after the task's warm-up, the first time). */
    private void spawn(Task t, String name, Launch l, int threads, boolean pipelined) throws Exception {
        int runs = (int) t.param("runs");
        long cap = Duration.ofMillis(t.param("capMs")).toNanos();
        String key = name + "." + t.variant();
        if (firstTime(t)) {
            jvmWarmUp(t, l);
            // warm-up: the same work, a tenth of it
            loop(l, (int) t.params().getOrDefault("warm", (long) Math.max(5, runs / 10)).longValue(), cap / 4, threads, pipelined);
        }
        double[] r = loop(l, runs, cap, threads, pipelined);
        add(key, r[0]);
        add(key + ".n", r[1]);
    }

    /** @return {processes per second, processes done} */
    private double[] loop(Launch l, int runs, long capNanos, int threads, boolean pipelined) throws Exception {
        if (pipelined) {
            List<Driver.Handle> hs = new ArrayList<>(runs);
            long t0 = System.nanoTime();
            long took;
            try {
                for (int i = 0; i < runs && (i == 0 || System.nanoTime() - t0 < capNanos); i++) {
                    hs.add(driver.start(l));
                }
            } finally {
                took = System.nanoTime() - t0;
                for (Driver.Handle h : hs) {
                    h.awaitExit();
                    h.release();
                }
            }
            return new double[] {hs.size() / (took / 1e9), hs.size()};
        }
        int per = runs / threads;
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        int[] done = new int[threads];
        long[] end = new long[threads];
        List<Thread> ts = new ArrayList<>();
        long[] t0 = new long[1];
        for (int k = 0; k < threads; k++) {
            int me = k;
            Thread th = new Thread(() -> {
                try {
                    go.await();
                    long start = t0[0];
                    for (int i = 0; i < per && (i == 0 || System.nanoTime() - start < capNanos); i++) {
                        Driver.Handle h = driver.start(l);
                        h.awaitExit();
                        h.release();
                        done[me]++;
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    end[me] = System.nanoTime();
                }
            }, "bench-spawn-" + k);
            ts.add(th);
            th.start();
        }
        t0[0] = System.nanoTime();
        go.countDown();
        for (Thread th : ts) {
            th.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("spawn loop failed", failure.get());
        }
        long last = 0;
        int total = 0;
        for (int k = 0; k < threads; k++) {
            last = Math.max(last, end[k]);
            total += done[k];
        }
        return new double[] {total / ((last - t0[0]) / 1e9), total};
    }

    // ------------------------------------------------------------------ 2. exit latency

    /** One repetition of the exit-latency rows (after the task's warm-up, the first time). */
    private void exitLatency(Task t) throws Exception {
        Launch l = Launch.of(Launch.Output.DEFAULT, t.session(), SH, "-c", "exit 3").stamped();
        latencyRow(t, "exit", l, (runs, cap) -> latencies(l, runs, cap));
    }

    /** How one latency row measures: the milliseconds of up to {@code runs} runs within the cap. */
    private interface Latencies {
        List<Double> measure(int runs, long capNanos) throws Exception;
    }

    /** Warm-up the first time, then one repetition: p50 and p99 under {@code key}, with the run count. */
    private void latencyRow(Task t, String key, Launch jitWarmUp, Latencies latencies) throws Exception {
        int runs = (int) t.param("runs");
        long cap = Duration.ofMillis(t.param("capMs")).toNanos();
        if (firstTime(t)) {
            jvmWarmUp(t, jitWarmUp);
            latencies.measure((int) t.params().getOrDefault("warm", (long) Math.max(5, runs / 10)).longValue(), cap / 4);
        }
        List<Double> ms = latencies.measure(runs, cap);
        for (int p : new int[] {50, 99}) {
            String k = key + ".p" + p + "." + t.variant();
            add(k, Stats.percentile(ms, p));
            add(k + ".n", ms.size());
        }
    }

    private List<Double> latencies(Launch l, int runs, long capNanos) throws Exception {
        List<Double> ms = new ArrayList<>(runs);
        long begin = System.nanoTime();
        for (int i = 0; i < runs && (i == 0 || System.nanoTime() - begin < capNanos); i++) {
            long t0 = System.nanoTime();
            Driver.Handle h = driver.start(l);
            long seen = h.exitSeenNanos();
            ms.add((seen - t0) / 1e6);
            h.awaitExit();
            if (h.exitCode() != 3) {
                throw new IllegalStateException("sh -c 'exit 3' exited with " + h.exitCode());
            }
            h.release();
        }
        return ms;
    }

    /**
     * One repetition of the detection rows: a live {@code sleep} (started and out of the way
     * before the clock runs) gets SIGKILL through kill(2) from outside the library, and the clock
     * stops when the library's exit callback runs. Unlike the start->onExit rows this leaves out
     * the launch, whose cost is the machine's (fork and exec), and keeps only what the library
     * adds between an exit and its report.
     */
    private void killLatency(Task t) throws Exception {
        Launch l = Launch.of(Launch.Output.DEFAULT, t.session(), SLEEP, "600").stamped();
        latencyRow(t, "exit.kill", Launch.of(Launch.Output.DEFAULT, t.session(), SH, "-c", "exit 3"),
                (runs, cap) -> killLatencies(l, runs, cap));
    }

    private List<Double> killLatencies(Launch l, int runs, long capNanos) throws Exception {
        List<Double> ms = new ArrayList<>(runs);
        long begin = System.nanoTime();
        for (int i = 0; i < runs && (i == 0 || System.nanoTime() - begin < capNanos); i++) {
            Driver.Handle h = driver.start(l);
            int pid = (int) h.pid();
            long t0 = System.nanoTime();
            if (dev.procmgr.linux.LibC.kill(pid, 9) != 0) {
                throw new IllegalStateException("kill -9 " + pid + " failed: the sleep is gone before its kill");
            }
            long seen = h.exitSeenNanos();
            ms.add((seen - t0) / 1e6);
            h.awaitExit();
            if (h.isAlive()) {
                throw new IllegalStateException("pid " + pid + " alive after its exit was reported");
            }
            h.release();
        }
        return ms;
    }

    // ------------------------------------------------------------------ 3. N live processes

    private void live(Task t) throws Exception {
        int n = (int) t.param("n");
        Launch l = Launch.of(Launch.Output.DEFAULT, t.session(), SLEEP, "600");
        // warm-up: classes loaded, backend threads started, then all stopped
        List<Driver.Handle> warm = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            warm.add(driver.start(l));
        }
        driver.stopAll(warm);
        for (int rep = 0; rep < t.param("reps") && !abandoned; rep++) {
            long heap0 = heapAfterGc();
            List<Driver.Handle> hs = new ArrayList<>(n);
            try {
                long startCap = Duration.ofMillis(t.params().getOrDefault("startCapMs", 600_000L)).toNanos();
                long t0 = System.nanoTime();
                boolean startCapped = false;
                for (int i = 0; i < n; i++) {
                    if (System.nanoTime() - t0 > startCap) {
                        startCapped = true; // measure what started; the table says how many
                        System.err.printf(java.util.Locale.ROOT, "procmgr-bench: %d of %d started after %d ms; measuring those%n",
                                i, n, t.params().get("startCapMs"));
                        break;
                    }
                    hs.add(driver.start(l));
                }
                double startS = (System.nanoTime() - t0) / 1e9;
                int started = hs.size();
                Thread.sleep(t.params().getOrDefault("settleMs", 300L)); // let every thread a process brings come up
                int alive = 0;
                for (Driver.Handle h : hs) {
                    alive += h.isAlive() ? 1 : 0;
                }
                if (alive != started) {
                    throw new IllegalStateException(alive + " of " + started + " sleep processes alive");
                }
                int threads = ManagementFactory.getThreadMXBean().getThreadCount();
                long heap = heapAfterGc();
                double rss = rssMb();
                double stopS = timedStopAll(t, hs, t.params().getOrDefault("stopCapMs", 5000L));
                boolean capped = stopS < 0;
                // after a capped stop the sleeps were KILLed just now: give the backend a moment to see it
                long until = System.nanoTime() + Duration.ofSeconds(capped ? 10 : 0).toNanos();
                for (Driver.Handle h : hs) {
                    while (h.isAlive() && System.nanoTime() < until) {
                        Thread.sleep(10);
                    }
                    if (h.isAlive()) {
                        throw new IllegalStateException("a process is alive after stop-all");
                    }
                }
                hs.clear();
                String k = "live." + n + ".";
                add(k + "start_s", startS);
                add(k + "start_s.capped", startCapped ? 1 : 0);
                add(k + "threads", threads);
                add(k + "heap_mb", heap / 1048576.0);
                add(k + "heap_kb_per_proc", (heap - heap0) / 1024.0 / started);
                add(k + "rss_mb", rss);
                for (String m : List.of("start_s", "threads", "heap_mb", "heap_kb_per_proc", "rss_mb", "stop_s")) {
                    add(k + m + ".n", started);
                }
                add(k + "stop_s", capped ? t.params().getOrDefault("stopCapMs", 5000L) / 1000.0 : stopS);
                add(k + "stop_s.capped", capped ? 1 : 0);
            } finally {
                if (!hs.isEmpty()) {
                    driver.stopAll(hs);
                }
            }
        }
    }

    /**
     * Stops all, timed; when that takes longer than {@code capMs}, KILLs the sleep processes so
     * that the run goes on, lets the stop finish (untimed) and returns -1.
     */
    private double timedStopAll(Task t, List<Driver.Handle> hs, long capMs) throws Exception {
        java.util.concurrent.FutureTask<Void> stop = new java.util.concurrent.FutureTask<>(() -> {
            driver.stopAll(hs);
            return null;
        });
        Thread th = new Thread(stop, "bench-stop-all");
        th.setDaemon(true);
        long t1 = System.nanoTime();
        th.start();
        try {
            stop.get(capMs, java.util.concurrent.TimeUnit.MILLISECONDS);
            return (System.nanoTime() - t1) / 1e9;
        } catch (java.util.concurrent.TimeoutException e) {
            System.err.printf(java.util.Locale.ROOT, "procmgr-bench: stop-all of %d not done after %d ms; killing the sleeps%n",
                    hs.size(), capMs);
            killSleeps();
            try {
                stop.get(t.params().getOrDefault("abandonMs", 3000L), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException again) {
                // every process is dead; the stop call itself still crawls (see the report): this
                // worker ends by halting once its figures are out
                abandoned = true;
                System.err.println("procmgr-bench: the stop-all call still runs with every process dead; the worker will halt");
            }
            return -1;
        }
    }

    /** SIGKILL to every sleep this JVM started (the processes of the live scenario). */
    static void killSleeps() {
        ProcessHandle.current().descendants()
                .filter(h -> h.info().command().map(SLEEP::equals).orElse(false))
                .forEach(ProcessHandle::destroyForcibly);
    }

    /** True when a stop-all call was left running; the worker must then halt rather than exit. */
    boolean abandoned() {
        return abandoned;
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(20);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static double rssMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                String[] f = line.trim().split("\\s+");
                return Long.parseLong(f[1]) / 1024.0;
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }

    // ------------------------------------------------------------------ 4. TERM-ignoring child

    private void stopKill(Task t) throws Exception {
        Duration timeout = Duration.ofMillis(t.param("timeoutMs"));
        Launch l = Launch.of(Launch.Output.READY, t.session(), SH, "-c", "trap '' TERM; echo ready; exec " + SLEEP + " 600");
        for (int rep = 0; rep < t.param("reps"); rep++) {
            Driver.Handle h = driver.start(l);
            h.awaitReady();
            long took = h.stopEscalating(timeout);
            if (h.isAlive()) {
                throw new IllegalStateException("TERM-ignoring child alive after the stop");
            }
            h.release();
            add("stopkill.ms", took / 1e6);
        }
    }

    // ------------------------------------------------------------------ 5. output throughput

    private void output(Task t) throws Exception {
        long bytes = t.param("mb") * 1_000_000L;
        prepareData(bytes);
        Path out = tmpDir.resolve("out.log");
        Launch capture = Launch.of(Launch.Output.CAPTURE, t.session(), CAT, dataFile.toString());
        Launch rotating = new Launch(capture.argv(), t.session(), Launch.Output.FILE_ROTATING, java.util.Optional.of(out), false);
        Launch append = new Launch(capture.argv(), t.session(), Launch.Output.FILE_APPEND, java.util.Optional.of(out), false);
        if (t.params().getOrDefault("warm", 1L) > 0) {
            throughput(capture, bytes, out); // warm-up
        }
        for (int rep = 0; rep < t.param("reps"); rep++) {
            add("output.capture", throughput(capture, bytes, out));
            add("output.file", throughput(rotating, bytes, out));
            add("output.file_append", throughput(append, bytes, out));
        }
        cleanOut(out);
    }

    private double throughput(Launch l, long bytes, Path out) throws Exception {
        cleanOut(out);
        long t0 = System.nanoTime();
        Driver.Handle h = driver.start(l);
        h.awaitExit();
        double secs = (System.nanoTime() - t0) / 1e9;
        h.release();
        if (h.exitCode() != 0) {
            throw new IllegalStateException("cat exited with " + h.exitCode());
        }
        if (h.bytes() >= 0 && l.output() == Launch.Output.CAPTURE && h.bytes() != bytes) {
            throw new IllegalStateException("read " + h.bytes() + " of " + bytes + " bytes");
        }
        if (l.output() == Launch.Output.FILE_APPEND && Files.size(out) != bytes) {
            throw new IllegalStateException("file has " + Files.size(out) + " of " + bytes + " bytes");
        }
        return bytes / 1e6 / secs;
    }

    private void cleanOut(Path out) throws IOException {
        Files.deleteIfExists(out);
        for (int i = 1; i <= 20; i++) {
            Files.deleteIfExists(out.resolveSibling(out.getFileName() + "." + i));
        }
    }

    /** 100-byte lines of text, written once per worker. */
    private void prepareData(long bytes) throws IOException {
        if (dataFile != null && Files.size(dataFile) == bytes) {
            return;
        }
        if (tmpDir == null) {
            tmpDir = Files.createTempDirectory("procmgr-bench");
        }
        dataFile = tmpDir.resolve("data.txt");
        byte[] line = ("procmgr-bench output line, 100 bytes with the newline: "
                + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH\n").getBytes(StandardCharsets.US_ASCII);
        if (line.length != 100) {
            throw new IllegalStateException("line is " + line.length + " bytes");
        }
        byte[] block = new byte[100 * 1000];
        for (int i = 0; i < 1000; i++) {
            System.arraycopy(line, 0, block, i * 100, 100);
        }
        try (OutputStream o = Files.newOutputStream(dataFile)) {
            long left = bytes;
            while (left > 0) {
                int n = (int) Math.min(block.length, left);
                o.write(block, 0, n);
                left -= n;
            }
        }
    }

    /** Deletes the scratch files. */
    void cleanUp() throws IOException {
        if (tmpDir != null) {
            try (var s = Files.list(tmpDir)) {
                for (Path p : s.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(tmpDir);
        }
    }

    private static String findSleep() {
        return Files.isExecutable(Path.of("/bin/sleep")) ? "/bin/sleep" : "/usr/bin/sleep";
    }

    private static String findCat() {
        return Files.isExecutable(Path.of("/bin/cat")) ? "/bin/cat" : "/usr/bin/cat";
    }
}
