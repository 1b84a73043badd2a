package dev.procmgr.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The scenario runner: one table, four columns measured side by side in one run (raw
 * ProcessBuilder, raw NuProcess, procmgr on the JDK backend, procmgr on the NuProcess backend).
 *
 * <p>Each column runs in worker JVMs of its own (the same JVM flags for all), one after the
 * other, never two at once, so thread counts, heap and RSS are the column's own, and no JDK
 * reaper thread or NuProcess setting leaks from one column into another. The N-live-processes
 * scenario gets a fresh JVM per repetition (default mode).
 *
 * <pre>
 *   mvn -B -q -pl procmgr-bench exec:java -Dexec.args="--quick"
 *   bin/procmgr-bench [--quick | --smoke] [--json FILE] [--runs N] [--reps N] [--n 1000,5000]
 * </pre>
 */
public final class ScenarioRunner {
    static final String RESULT = "@@RESULT ";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final long WORKER_TIMEOUT_S = 300;
    private static final List<Column> ALL = List.of(Column.values());

    private ScenarioRunner() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--worker")) {
            System.exit(worker(args));
        }
        int rc = run(args, System.out);
        System.out.flush();
        System.exit(rc);
    }

    // ================================================================== settings

    /** How much each scenario does. */
    record Settings(String mode, int runs, int reps, long capMs, int exitRuns, long exitCapMs, List<Integer> liveN,
                    boolean liveJvmPerRep, long stopTimeoutMs, long mb, boolean oneJvmPerColumn, List<String> only,
                    List<Column> columns, long stopCapMs, int pipeRuns, boolean liveAll, long startCapMs) {

        static final List<String> FAMILIES = List.of("spawn", "exit", "stop+output", "live");

        /** Smoke mode checks that everything runs, not how fast: little warm-up, columns at once. */
        boolean smoke() {
            return mode.equals("smoke");
        }

        static Settings of(String mode) {
            return switch (mode) {
                case "smoke" -> new Settings(mode, 20, 3, 150, 20, 150, List.of(50), false, 50, 2, true, FAMILIES, ALL,
                        5000, 20, true, 10_000);
                case "quick" -> new Settings(mode, 300, 3, 150, 40, 150, List.of(200), false, 300, 20, true, FAMILIES, ALL,
                        3000, 300, true, 10_000);
                default -> new Settings("default", 2000, 3, 500, 300, 500, List.of(1000, 5000), true, 500, 100, false,
                        FAMILIES, ALL, 3000, 500, false, 15_000);
            };
        }
    }

    /** Parses the command line; returns null and prints usage on a bad one. */
    static Optional<Object[]> parse(String[] args, PrintStream out) {
        String mode = "default";
        Path json = defaultJson();
        Integer runs = null;
        Integer reps = null;
        List<Integer> n = null;
        List<String> only = Settings.FAMILIES;
        List<Column> columns = ALL;
        Boolean liveAll = null;
        Long startCap = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--start-cap-ms" -> startCap = Long.parseLong(args[++i]);
                case "--live-all" -> liveAll = true;
                case "--only" -> only = List.of(args[++i].split(","));
                case "--columns" -> columns = java.util.Arrays.stream(args[++i].split(",")).map(Column::valueOf).toList();
                case "--quick" -> mode = "quick";
                case "--smoke" -> mode = "smoke";
                case "--json" -> json = Path.of(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--n" -> {
                    n = new ArrayList<>();
                    for (String s : args[++i].split(",")) {
                        n.add(Integer.parseInt(s.trim()));
                    }
                }
                default -> {
                    out.println("usage: procmgr-bench [--quick | --smoke] [--json FILE] [--runs N] [--reps N] [--n N,N]"
                            + " [--only spawn,exit,stop+output,live] [--columns RAW_PB,RAW_NU,PM_JDK,PM_NU] [--live-all]"
                            + " [--start-cap-ms MS]");
                    return Optional.empty();
                }
            }
        }
        Settings s = Settings.of(mode);
        s = new Settings(s.mode(), runs != null ? runs : s.runs(), reps != null ? Math.max(3, reps) : s.reps(), s.capMs(),
                runs != null ? Math.max(20, runs / 6) : s.exitRuns(), s.exitCapMs(), n != null ? List.copyOf(n) : s.liveN(),
                s.liveJvmPerRep(), s.stopTimeoutMs(), s.mb(), s.oneJvmPerColumn(), only, columns, s.stopCapMs(),
                runs != null ? runs : s.pipeRuns(), liveAll != null ? liveAll : s.liveAll(),
                startCap != null ? startCap : s.startCapMs());
        return Optional.of(new Object[] {s, json});
    }

    private static Path defaultJson() {
        String p = System.getProperty("procmgr.bench.json");
        if (p != null && !p.isBlank()) {
            return Path.of(p);
        }
        return Files.isDirectory(Path.of("procmgr-bench")) ? Path.of("procmgr-bench/target/bench-results.json")
                : Path.of("target/bench-results.json");
    }

    // ================================================================== rows

    /** One row of the table. */
    record Row(String id, String label, String metric, String unit, boolean higherBetter, int decimals) {
    }

    static List<Row> rows(Settings s) {
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("1a", "spawn /bin/true start+wait, sequential, plain launch", "spawn.seq.plain", "proc/s", true, 0));
        rows.add(new Row("1b", "spawn /bin/true start+wait, sequential, isolated", "spawn.seq.iso", "proc/s", true, 0));
        rows.add(new Row("1c", "spawn /bin/true start+wait, 2 threads, plain launch", "spawn.par2.plain", "proc/s", true, 0));
        rows.add(new Row("1d", "spawn /bin/true start+wait, 2 threads, isolated", "spawn.par2.iso", "proc/s", true, 0));
        rows.add(new Row("1e", "spawn /bin/true pipelined starts, plain launch", "spawn.pipe.plain", "starts/s", true, 0));
        rows.add(new Row("1f", "spawn /bin/true pipelined starts, isolated", "spawn.pipe.iso", "starts/s", true, 0));
        rows.add(new Row("1g", "spawn /bin/true start+wait, sequential, isolated, default output", "spawn.seqdefault.iso",
                "proc/s", true, 0));
        rows.add(new Row("2a", "exit latency start->onExit sh -c 'exit 3', p50, plain launch", "exit.p50.plain", "ms", false, 2));
        rows.add(new Row("2b", "exit latency start->onExit sh -c 'exit 3', p99, plain launch", "exit.p99.plain", "ms", false, 2));
        rows.add(new Row("2c", "exit latency start->onExit sh -c 'exit 3', p50, isolated", "exit.p50.iso", "ms", false, 2));
        rows.add(new Row("2d", "exit latency start->onExit sh -c 'exit 3', p99, isolated", "exit.p99.iso", "ms", false, 2));
        for (int n : s.liveN()) {
            String k = "live." + n + ".";
            String p = String.format(Locale.ROOT, "%,d live sleep: ", n);
            rows.add(new Row("3", p + "time to start all", k + "start_s", "s", false, 2));
            rows.add(new Row("3", p + "live JVM threads", k + "threads", "threads", false, 0));
            rows.add(new Row("3", p + "heap used after GC", k + "heap_mb", "MB", false, 1));
            rows.add(new Row("3", p + "heap per process (vs. before start)", k + "heap_kb_per_proc", "KB", false, 1));
            rows.add(new Row("3", p + "process RSS (VmRSS)", k + "rss_mb", "MB", false, 0));
            rows.add(new Row("3", p + "stop-all, graceful TERM", k + "stop_s", "s", false, 2));
        }
        rows.add(new Row("4", "stop TERM-ignoring child, timeout " + s.stopTimeoutMs() + " ms: time to KILL+exit", "stopkill.ms",
                "ms", false, 0));
        rows.add(new Row("5a", s.mb() + " MB output through capture", "output.capture", "MB/s", true, 0));
        rows.add(new Row("5b", s.mb() + " MB output to a file (procmgr: rotating 10 MiB)", "output.file", "MB/s", true, 0));
        rows.add(new Row("5c", s.mb() + " MB output to a file (procmgr: no rotation)", "output.file_append", "MB/s", true, 0));
        return rows;
    }

    // ================================================================== plan

    private record Job(Column column, List<Task> tasks) {
    }

    private static Map<String, Long> params(Settings s, Map<String, Long> p) {
        if (!s.smoke()) {
            return p;
        }
        Map<String, Long> m = new LinkedHashMap<>(p);
        m.put("warm", 1L);
        m.put("settleMs", 50L);
        return m;
    }

    static List<Task> tasks(Settings s, Column c, String family) {
        boolean pm = c == Column.PM_JDK || c == Column.PM_NU;
        Map<String, Long> spawn = params(s, Map.of("runs", (long) s.runs(), "reps", (long) s.reps(), "capMs", s.capMs()));
        List<Task> out = new ArrayList<>();
        switch (family) {
            case "spawn" -> {
                Map<String, Long> pipe = new LinkedHashMap<>(spawn);
                pipe.put("runs", (long) s.pipeRuns());
                for (String sc : List.of("spawn.seq", "spawn.par2", "spawn.pipe")) {
                    out.add(new Task(sc, false, sc.equals("spawn.pipe") ? pipe : spawn));
                    out.add(new Task(sc, true, sc.equals("spawn.pipe") ? pipe : spawn));
                }
                out.add(new Task("spawn.seqdefault", true, spawn));
            }
            case "exit" -> {
                Map<String, Long> p = params(s, Map.of("runs", (long) s.exitRuns(), "reps", (long) s.reps(), "capMs", s.exitCapMs()));
                out.add(new Task("exit", false, p));
                out.add(new Task("exit", true, p));
            }
            case "stop+output" -> {
                // procmgr with its default (isolated) spec; raw as written by hand, no prefix
                out.add(new Task("stopkill", pm, params(s, Map.of("reps", (long) s.reps(), "timeoutMs", s.stopTimeoutMs()))));
                out.add(new Task("output", pm, params(s, Map.of("reps", (long) s.reps(), "mb", s.mb()))));
            }
            default -> throw new IllegalArgumentException(family);
        }
        return out;
    }

    static List<Job> plan(Settings s) {
        List<Job> jobs = new ArrayList<>();
        List<String> families = new ArrayList<>(List.of("spawn", "exit", "stop+output"));
        families.retainAll(s.only());
        List<Integer> liveN = s.only().contains("live") ? s.liveN() : List.of();
        if (s.oneJvmPerColumn()) {
            for (Column c : s.columns()) {
                List<Task> all = new ArrayList<>();
                for (String f : families) {
                    all.addAll(tasks(s, c, f));
                }
                for (int n : liveN) {
                    if (liveColumns(s, n).contains(c)) {
                        all.add(liveTask(s, c, n, s.reps()));
                    }
                }
                jobs.add(new Job(c, all));
            }
            return jobs;
        }
        for (String f : families) {
            for (Column c : s.columns()) {
                jobs.add(new Job(c, tasks(s, c, f)));
            }
        }
        for (int n : liveN) {
            List<Column> cols = liveColumns(s, n);
            if (s.liveJvmPerRep()) {
                for (int rep = 0; rep < s.reps(); rep++) {
                    for (Column c : cols) {
                        jobs.add(new Job(c, List.of(liveTask(s, c, n, 1))));
                    }
                }
            } else {
                for (Column c : cols) {
                    jobs.add(new Job(c, List.of(liveTask(s, c, n, s.reps()))));
                }
            }
        }
        return jobs;
    }

    /**
     * Above 1,000 live processes only the NuProcess columns run (the 5,000 target is
     * theirs; the JDK columns would bring 5,000-15,000 threads and minutes), unless --live-all.
     */
    static List<Column> liveColumns(Settings s, int n) {
        if (n <= 1000 || s.liveAll()) {
            return s.columns();
        }
        return s.columns().stream().filter(c -> c == Column.RAW_NU || c == Column.PM_NU).toList();
    }

    private static Task liveTask(Settings s, Column c, int n, int reps) {
        boolean pm = c == Column.PM_JDK || c == Column.PM_NU;
        return new Task("live", pm, params(s, Map.of("n", (long) n, "reps", (long) reps, "stopCapMs", s.stopCapMs(),
                "startCapMs", startCapMs(s, n))));
    }

    /** Starting is capped to bound the run: 20 s up to 1,000 processes, the mode's cap above. */
    static long startCapMs(Settings s, int n) {
        return n <= 1000 ? Math.max(20_000, s.startCapMs()) : s.startCapMs();
    }

    // ================================================================== orchestration

    /** Runs the whole benchmark; prints the table to {@code out}; returns the exit code. */
    static int run(String[] args, PrintStream out) throws Exception {
        Optional<Object[]> parsed = parse(args, out);
        if (parsed.isEmpty()) {
            return 2;
        }
        Settings s = (Settings) parsed.get()[0];
        Path jsonFile = (Path) parsed.get()[1];
        Instant began = Instant.now();
        String loadBefore = loadAverage();
        List<Job> jobs = plan(s);
        Map<String, Map<Column, List<Double>>> results = new LinkedHashMap<>();
        List<Map<String, List<Double>>> outputs = new ArrayList<>();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        if (s.smoke()) {
            // smoke: the columns' workers at once (figures meaningless, only completeness counts)
            List<java.util.concurrent.Future<Map<String, List<Double>>>> fs = new ArrayList<>();
            java.util.concurrent.ExecutorService ex = java.util.concurrent.Executors.newFixedThreadPool(jobs.size());
            try {
                for (Job job : jobs) {
                    fs.add(ex.submit(() -> runWorker(job, failures)));
                }
                for (var f : fs) {
                    outputs.add(f.get());
                }
            } finally {
                ex.shutdownNow();
            }
        } else {
            int i = 0;
            for (Job job : jobs) {
                i++;
                System.err.printf(Locale.ROOT, "procmgr-bench: [%d/%d] +%ds %s: %s%n", i, jobs.size(),
                        ChronoUnit.SECONDS.between(began, Instant.now()), job.column().title,
                        job.tasks().stream().map(t -> t.scenario() + (t.scenario().startsWith("live") ? " n=" + t.param("n") : "")
                                + "/" + t.variant()).toList());
                outputs.add(runWorker(job, failures));
            }
        }
        for (int k = 0; k < jobs.size(); k++) {
            Column col = jobs.get(k).column();
            outputs.get(k).forEach((key, v) -> results.computeIfAbsent(key, x -> new EnumMap<>(Column.class))
                    .computeIfAbsent(col, x -> new ArrayList<>()).addAll(v));
        }
        double seconds = ChronoUnit.MILLIS.between(began, Instant.now()) / 1000.0;
        Report report = new Report(s, rows(s), results, began, seconds, loadBefore, loadAverage(), String.join(" ", args),
                failures);
        report.print(out);
        report.writeJson(jsonFile);
        out.println();
        out.println("JSON: " + jsonFile.toAbsolutePath());
        return failures.isEmpty() ? 0 : 1;
    }

    /** Runs one worker JVM; a failed worker is reported in {@code failures} and leaves its cells empty. */
    private static Map<String, List<Double>> runWorker(Job job, List<String> failures) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String opts = System.getProperty("procmgr.bench.jvmOpts", "");
        for (String o : opts.trim().split("\\s+")) {
            if (!o.isEmpty()) {
                cmd.add(o);
            }
        }
        for (String prop : List.of("procmgr.bench.guardian", "procmgr.bench.verbose")) {
            String v = System.getProperty(prop);
            if (v != null) {
                cmd.add("-D" + prop + "=" + v);
            }
        }
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(ScenarioRunner.class.getName());
        cmd.add("--worker");
        cmd.add(job.column().name());
        cmd.add(JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(job.tasks()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String result = null;
        List<String> other = new ArrayList<>();
        java.util.Set<ProcessHandle> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            Thread reader = Thread.currentThread();
            Thread watchdog = new Thread(() -> {
                try {
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(WORKER_TIMEOUT_S);
                    long wait = 1000;
                    while (!p.waitFor(wait, TimeUnit.MILLISECONDS)) {
                        wait = 5000; // a look at /proc costs the measured worker a little: rarely
                        p.children().filter(h -> !h.info().command().map(Scenarios.SLEEP::equals).orElse(false))
                                .forEach(seen::add); // remembered (a guardian): they outlive the worker's end
                        if (System.nanoTime() > until) {
                            System.err.println("procmgr-bench: worker " + p.pid() + " took over " + WORKER_TIMEOUT_S
                                    + " s; stopping it");
                            p.destroy(); // its shutdown hook stops what it started
                            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                                p.destroyForcibly();
                            }
                            break;
                        }
                    }
                } catch (InterruptedException e) {
                    reader.interrupt();
                }
            }, "bench-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith(RESULT)) {
                    result = line.substring(RESULT.length());
                } else {
                    other.add(line);
                }
            }
        }
        int rc = p.waitFor();
        other.forEach(System.err::println);
        awaitGone(seen);
        if (rc != 0 || result == null) {
            String what = job.column().title + " " + job.tasks().stream().map(Task::scenario).distinct().toList()
                    + ": worker failed (exit " + rc + "), see stderr";
            System.err.println("procmgr-bench: " + what);
            failures.add(what);
            return Map.of();
        }
        return JSON.readValue(result, new TypeReference<Map<String, List<Double>>>() { });
    }

    /**
     * Waits until every process the worker had is gone (a guardian finishes on its own once the
     * worker's pipe closes), so that the next worker is measured on a quiet machine; KILLs what is
     * still there after 30 s.
     */
    private static void awaitGone(java.util.Set<ProcessHandle> seen) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (seen.stream().anyMatch(ProcessHandle::isAlive)) {
            if (System.nanoTime() > until) {
                List<ProcessHandle> left = seen.stream().filter(ProcessHandle::isAlive).toList();
                System.err.println("procmgr-bench: killing what a worker left behind: "
                        + left.stream().map(h -> h.pid() + " " + h.info().commandLine().orElse("?")).toList());
                left.forEach(ProcessHandle::destroyForcibly);
                return;
            }
            Thread.sleep(50);
        }
    }

    /** The class path of this class: the exec:java class loader's URLs, else java.class.path. */
    static String classPath() throws URISyntaxException {
        String p = System.getProperty("procmgr.bench.classpath");
        if (p != null && !p.isBlank()) {
            return p;
        }
        ClassLoader cl = ScenarioRunner.class.getClassLoader();
        if (cl instanceof URLClassLoader u && u.getURLs().length > 0) {
            List<String> parts = new ArrayList<>();
            for (URL url : u.getURLs()) {
                parts.add(Path.of(url.toURI()).toString());
            }
            return String.join(File.pathSeparator, parts);
        }
        return System.getProperty("java.class.path");
    }

    /** This JVM's descendants still alive 3 s after everything was stopped (a guardian exits on its own). */
    static List<ProcessHandle> leftovers() throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        List<ProcessHandle> left;
        do {
            left = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
            if (left.isEmpty()) {
                return left;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < until);
        return left;
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    // ================================================================== worker

    private static int worker(String[] args) throws Exception {
        Column column = Column.valueOf(args[1]);
        List<Task> tasks = JSON.readValue(args[2], new TypeReference<List<Task>>() { });
        Driver driver = Driver.of(column);
        Scenarios sc = new Scenarios(driver);
        Thread hook = new Thread(driver::close, "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            for (Task t : tasks) {
                if (sc.abandoned()) {
                    break;
                }
                long t0 = System.nanoTime();
                sc.run(t);
                if (Boolean.getBoolean("procmgr.bench.verbose")) {
                    System.err.printf(Locale.ROOT, "procmgr-bench:   %s %s/%s took %.1f s%n", column.title, t.scenario(), t.variant(),
                            (System.nanoTime() - t0) / 1e9);
                }
            }
        } finally {
            driver.close();
            sc.cleanUp();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        if (sc.abandoned()) {
            // a stop-all call still crawls on with every process dead: say so, check, and halt
            Scenarios.killSleeps();
            System.out.println(RESULT + JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(sc.metrics()));
            System.out.flush();
            Runtime.getRuntime().halt(0);
        }
        List<ProcessHandle> left = leftovers();
        if (!left.isEmpty()) {
            left.forEach(ProcessHandle::destroyForcibly);
            System.err.println("procmgr-bench: " + column.title + " left processes behind (killed now): "
                    + left.stream().map(h -> h.pid() + " " + h.info().commandLine().orElse("?")).toList());
            return 3;
        }
        System.out.println(RESULT + JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(sc.metrics()));
        System.out.flush();
        return 0;
    }
}
