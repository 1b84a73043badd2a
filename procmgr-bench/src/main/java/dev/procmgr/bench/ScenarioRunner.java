package dev.procmgr.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The scenario runner: one table, four columns measured side by side in one run (raw
 * ProcessBuilder, raw NuProcess, procmgr on the JDK backend, procmgr on the NuProcess backend).
 *
 * <p>Each column runs in worker JVMs of its own (the same JVM flags for all), so thread counts,
 * heap and RSS are the column's own, and no JDK reaper thread or NuProcess setting leaks from one
 * column into another. Only one worker measures at any moment. The spawn and exit families keep
 * one warm worker per column alive and interleave their repetitions across the columns in
 * rounds ({@link BatchRunner}), so that a ratio compares figures taken seconds apart; the other
 * families run column after column. The N-live-processes scenario gets a fresh JVM per
 * repetition (default mode).
 *
 * <pre>
 *   mvn -B -q -pl procmgr-bench exec:java -Dexec.args="--quick"
 *   bin/procmgr-bench [--quick | --smoke] [--json FILE] [--runs N] [--reps N] [--n 1000,5000]
 *   bin/procmgr-bench --only spawn --cap-ms 0     (every spawn repetition does all its 2,000 runs)
 * </pre>
 */
public final class ScenarioRunner {
    private static final List<Column> ALL = List.of(Column.values());
    /** The families whose repetitions are interleaved across the columns ({@link Scenarios#interleavable}). */
    private static final List<String> INTERLEAVED = List.of("spawn", "exit");
    /** {@code --cap-ms 0}: a cap no repetition reaches (a day), so every one does all its runs. */
    static final long NO_CAP_MS = 86_400_000L;

    private ScenarioRunner() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--worker")) {
            System.exit(Worker.run(args));
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
                case "quick" -> new Settings(mode, 300, 3, 120, 40, 120, List.of(100), false, 300, 20, true, FAMILIES, ALL,
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
        Long cap = null;
        String bad = null;
        try {
            for (int i = 0; i < args.length && bad == null; i++) {
                switch (args[i]) {
                    case "--start-cap-ms" -> startCap = Long.parseLong(args[++i]);
                    case "--cap-ms" -> {
                        long ms = Long.parseLong(args[++i]);
                        cap = ms <= 0 ? NO_CAP_MS : ms;
                    }
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
                    default -> bad = "unknown option " + args[i];
                }
            }
        } catch (ArrayIndexOutOfBoundsException e) {
            bad = args[args.length - 1] + " needs a value";
        } catch (IllegalArgumentException e) { // a number or column name that does not parse
            bad = "bad value (" + e.getMessage() + ")";
        }
        if (bad == null && !Settings.FAMILIES.containsAll(only)) {
            bad = "--only takes " + String.join(",", Settings.FAMILIES) + ", not " + String.join(",", only);
        }
        if (bad != null) {
            out.println("procmgr-bench: " + bad);
            out.println("usage: procmgr-bench [--quick | --smoke] [--json FILE] [--runs N] [--reps N] [--n N,N]"
                    + " [--only spawn,exit,stop+output,live] [--columns RAW_PB,RAW_NU,PM_JDK,PM_NU] [--live-all]"
                    + " [--start-cap-ms MS] [--cap-ms MS (spawn and exit repetitions; 0: none)]");
            return Optional.empty();
        }
        Settings s = Settings.of(mode);
        s = new Settings(s.mode(), runs != null ? runs : s.runs(), reps != null ? Math.max(3, reps) : s.reps(),
                cap != null ? cap : s.capMs(), runs != null ? Math.max(20, runs / 6) : s.exitRuns(),
                cap != null ? cap : s.exitCapMs(), n != null ? List.copyOf(n) : s.liveN(),
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
        rows.add(new Row("2e", "exit seen after kill -9 of a live sleep (no launch in it), p50", "exit.kill.p50.plain", "ms", false, 2));
        rows.add(new Row("2f", "exit seen after kill -9 of a live sleep (no launch in it), p99", "exit.kill.p99.plain", "ms", false, 2));
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

    private static Map<String, Long> params(Settings s, Map<String, Long> p) {
        if (s.mode().equals("quick")) {
            // a quick look: the JIT warm-up of each worker stops at 3 s instead of 8 (on a
            // slow-launching VM four workers waited out most of the minute there), and 100 live
            // processes bring their threads up well within 150 ms
            Map<String, Long> m = new LinkedHashMap<>(p);
            m.put("jitMaxMs", 3000L);
            m.put("settleMs", 150L);
            return m;
        }
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
                out.add(new Task("exit.kill", false, p));
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

    /**
     * The batches of worker JVMs, in the order they run. Default mode: per interleaved family one
     * batch with a warm worker per column; stop+output one worker per column; live one per column
     * and repetition. Quick and smoke: one batch, one worker per column for everything (the
     * interleaved families first, in rounds, then the rest whole).
     */
    static List<Batch> plan(Settings s) {
        List<String> interleaved = new ArrayList<>(INTERLEAVED);
        interleaved.retainAll(s.only());
        List<String> whole = new ArrayList<>(List.of("stop+output"));
        whole.retainAll(s.only());
        List<Integer> liveN = s.only().contains("live") ? s.liveN() : List.of();
        List<Batch> batches = new ArrayList<>();
        if (s.oneJvmPerColumn()) {
            List<Batch.Lane> lanes = new ArrayList<>();
            for (Column c : s.columns()) {
                List<Task> rest = new ArrayList<>(familyTasks(s, c, whole));
                for (int n : liveN) {
                    if (liveColumns(s, n).contains(c)) {
                        rest.add(liveTask(s, c, n, s.reps()));
                    }
                }
                lanes.add(new Batch.Lane(c, familyTasks(s, c, interleaved), rest));
            }
            batches.add(new Batch(lanes));
            return batches;
        }
        for (String f : interleaved) {
            batches.add(new Batch(s.columns().stream().map(c -> new Batch.Lane(c, tasks(s, c, f), List.of())).toList()));
        }
        for (String f : whole) {
            for (Column c : s.columns()) {
                batches.add(Batch.single(c, tasks(s, c, f)));
            }
        }
        for (int n : liveN) {
            List<Column> cols = liveColumns(s, n);
            if (s.liveJvmPerRep()) {
                for (int rep = 0; rep < s.reps(); rep++) {
                    for (Column c : cols) {
                        batches.add(Batch.single(c, List.of(liveTask(s, c, n, 1))));
                    }
                }
            } else {
                for (Column c : cols) {
                    batches.add(Batch.single(c, List.of(liveTask(s, c, n, s.reps()))));
                }
            }
        }
        return batches;
    }

    private static List<Task> familyTasks(Settings s, Column c, List<String> families) {
        List<Task> all = new ArrayList<>();
        for (String f : families) {
            all.addAll(tasks(s, c, f));
        }
        return all;
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
        MachineReference machine = MachineReference.measure(s.mode().equals("default") ? 300 : 100,
                s.only().contains("live") ? Report.stopN(s) : 0);
        List<Batch> batches = plan(s);
        Map<String, Map<Column, List<Double>>> results = new LinkedHashMap<>();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < batches.size(); i++) {
            String step = String.format(Locale.ROOT, "[%d/%d]", i + 1, batches.size());
            BatchRunner runner = new BatchRunner(s.smoke(), failures, line -> System.err.printf(Locale.ROOT,
                    "procmgr-bench: %s +%ds %s%n", step, ChronoUnit.SECONDS.between(began, Instant.now()), line));
            Batch batch = batches.get(i);
            List<Map<String, List<Double>>> figures = runner.run(batch);
            for (int j = 0; j < figures.size(); j++) {
                Column col = batch.lanes().get(j).column();
                figures.get(j).forEach((key, v) -> results.computeIfAbsent(key, x -> new EnumMap<>(Column.class))
                        .computeIfAbsent(col, x -> new ArrayList<>()).addAll(v));
            }
        }
        double seconds = ChronoUnit.MILLIS.between(began, Instant.now()) / 1000.0;
        Report report = new Report(s, rows(s), results, began, seconds, loadBefore, loadAverage(), String.join(" ", args),
                machine, failures);
        report.print(out);
        report.writeJson(jsonFile);
        out.println();
        out.println("JSON: " + jsonFile.toAbsolutePath());
        return failures.isEmpty() ? 0 : 1;
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }
}
