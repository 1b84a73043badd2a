package dev.procmgr.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/** The table, the target check and the JSON file, from the merged samples of all workers. */
final class Report {
    private static final Column[] COLS = Column.values();

    private final ScenarioRunner.Settings s;
    private final List<ScenarioRunner.Row> rows;
    private final Map<String, Map<Column, List<Double>>> results;
    private final Instant began;
    private final double seconds;
    private final String loadBefore;
    private final String loadAfter;
    private final String args;
    private final MachineReference machine;
    private final List<Map<String, Object>> targets = new ArrayList<>();
    private final List<String> failures;

    Report(ScenarioRunner.Settings s, List<ScenarioRunner.Row> rows, Map<String, Map<Column, List<Double>>> results,
           Instant began, double seconds, String loadBefore, String loadAfter, String args, MachineReference machine,
           List<String> failures) {
        this.machine = machine;
        this.failures = List.copyOf(failures);
        this.s = s;
        this.rows = rows;
        this.results = results;
        this.began = began;
        this.seconds = seconds;
        this.loadBefore = loadBefore;
        this.loadAfter = loadAfter;
        this.args = args;
        checkTargets();
    }

    // ------------------------------------------------------------------ figures

    private List<Double> samples(String metric, Column c) {
        Map<Column, List<Double>> m = results.get(metric);
        return m == null ? List.of() : m.getOrDefault(c, List.of());
    }

    OptionalDouble median(String metric, Column c) {
        List<Double> xs = samples(metric, c);
        return xs.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(Stats.median(xs));
    }

    /**
     * Column a over column b. For the rows measured in interleaved rounds (spawn and exit), where
     * repetition k of both columns ran seconds apart, the median of the per-round ratios: a burst
     * of load that slows one round slows both sides of its ratio. Elsewhere the ratio of medians.
     */
    private OptionalDouble ratio(String metric, Column a, Column b) {
        List<Double> xs = samples(metric, a);
        List<Double> ys = samples(metric, b);
        if (paired(metric) && !xs.isEmpty() && xs.size() == ys.size() && ys.stream().allMatch(y -> y > 0)) {
            List<Double> rs = new java.util.ArrayList<>();
            for (int i = 0; i < xs.size(); i++) {
                rs.add(xs.get(i) / ys.get(i));
            }
            return OptionalDouble.of(Stats.median(rs));
        }
        OptionalDouble x = median(metric, a);
        OptionalDouble y = median(metric, b);
        if (x.isEmpty() || y.isEmpty() || y.getAsDouble() == 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(x.getAsDouble() / y.getAsDouble());
    }

    /** Whether the metric's repetitions were interleaved across columns, round by round. */
    private static boolean paired(String metric) {
        return metric.startsWith("spawn.") || metric.startsWith("exit.");
    }

    private long planned(String metric) {
        if (metric.startsWith("live.")) {
            return Long.parseLong(metric.split("\\.")[1]);
        }
        if (metric.startsWith("spawn.par2")) {
            return (s.runs() / 2) * 2L;
        }
        if (metric.startsWith("spawn")) {
            return s.runs();
        }
        if (metric.startsWith("exit")) {
            return s.exitRuns();
        }
        return -1;
    }

    private String cell(ScenarioRunner.Row r, Column c) {
        List<Double> xs = samples(r.metric(), c);
        if (xs.isEmpty()) {
            return "-";
        }
        String f = "%,." + r.decimals() + "f";
        String out = String.format(Locale.ROOT, f + " (" + f + ".." + f + ")", Stats.median(xs), Stats.min(xs), Stats.max(xs));
        List<Double> capped = samples(r.metric() + ".capped", c);
        long k = capped.stream().filter(x -> x > 0).count();
        if (k > 0) {
            out = String.format(Locale.ROOT, ">" + f + " (%d of %d capped)", Stats.median(xs), k, xs.size());
        }
        List<Double> n = samples(r.metric() + ".n", c);
        if (!n.isEmpty() && Stats.median(n) < planned(r.metric())) {
            out += String.format(Locale.ROOT, " n=%,.0f", Stats.median(n));
        }
        return out;
    }

    private static String fmt(OptionalDouble d) {
        return d.isPresent() ? String.format(Locale.ROOT, "%.2f", d.getAsDouble()) : "-";
    }

    private static String capText(long ms) {
        return ms >= ScenarioRunner.NO_CAP_MS ? "none" : ms + " ms";
    }

    private static String fmtRatio(OptionalDouble d) {
        return d.isPresent() ? String.format(Locale.ROOT, "%.2fx", d.getAsDouble()) : "-";
    }

    // ------------------------------------------------------------------ targets

    private void target(String what, OptionalDouble value, String unit, boolean met) {
        target(what, value, unit, met, null);
    }

    /** @param context figures of the same run that a reader needs to weigh this one, or null */
    private void target(String what, OptionalDouble value, String unit, boolean met, String context) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("target", what);
        t.put("value", value.isPresent() ? value.getAsDouble() : null);
        t.put("unit", unit);
        t.put("met", value.isPresent() ? met : null);
        if (context != null) {
            t.put("context", context);
        }
        targets.add(t);
    }

    private void atLeast(String what, OptionalDouble v, double min) {
        target(what, v, "x", v.isPresent() && v.getAsDouble() >= min);
    }

    private void atMost(String what, OptionalDouble v, double max, String unit) {
        target(what, v, unit, v.isPresent() && v.getAsDouble() <= max);
    }

    private void checkTargets() {
        for (String v : List.of("plain", "iso")) {
            String m = "spawn.pipe." + v;
            atLeast("pipelined starts (" + v + "): procmgr jdk >= 0.9x raw ProcessBuilder", ratio(m, Column.PM_JDK, Column.RAW_PB), 0.9);
            atLeast("pipelined starts (" + v + "): procmgr nuprocess >= 0.9x raw NuProcess", ratio(m, Column.PM_NU, Column.RAW_NU), 0.9);
        }
        atLeast("sequential start+wait (plain): procmgr jdk >= 0.9x raw ProcessBuilder",
                ratio("spawn.seq.plain", Column.PM_JDK, Column.RAW_PB), 0.9);
        atLeast("sequential start+wait (isolated vs raw with setsid prefix): procmgr jdk >= 0.9x raw ProcessBuilder",
                ratio("spawn.seq.iso", Column.PM_JDK, Column.RAW_PB), 0.9);
        atLeast("sequential start+wait (plain): procmgr nuprocess >= 1.7x raw ProcessBuilder",
                ratio("spawn.seq.plain", Column.PM_NU, Column.RAW_PB), 1.7);
        OptionalDouble nuIso = median("spawn.seq.iso", Column.PM_NU);
        OptionalDouble pbPlain = median("spawn.seq.plain", Column.RAW_PB);
        atLeast("sequential start+wait: procmgr nuprocess isolated >= 1.7x raw ProcessBuilder plain",
                nuIso.isPresent() && pbPlain.isPresent() ? OptionalDouble.of(nuIso.getAsDouble() / pbPlain.getAsDouble())
                        : OptionalDouble.empty(), 1.7);
        for (String v : List.of("plain", "iso")) {
            for (Column c : List.of(Column.PM_JDK, Column.PM_NU)) {
                // start->onExit holds a whole launch, which is the machine's: say what the raw
                // library took in the same run, and what this column took to see an exit alone
                OptionalDouble p99 = median("exit.p99." + v, c);
                target("exit seen p99 (" + v + ") <= 5 ms: " + c.title, p99, "ms", p99.isPresent() && p99.getAsDouble() <= 5,
                        String.format(Locale.ROOT, "raw ProcessBuilder in this run %s ms; this column's kill -9 detection p99 (row 2f) %s ms",
                                fmt(median("exit.p99." + v, Column.RAW_PB)), fmt(median("exit.kill.p99.plain", c))));
            }
        }
        int bigN = s.liveN().stream().mapToInt(Integer::intValue).max().orElse(0);
        atMost(String.format(Locale.ROOT, "procmgr nuprocess, %,d live processes: <= 16 live JVM threads", bigN),
                median("live." + bigN + ".threads", Column.PM_NU), 16, "threads");
        OptionalDouble pmHeap = median("live." + bigN + ".heap_kb_per_proc", Column.PM_NU);
        OptionalDouble rawHeap = median("live." + bigN + ".heap_kb_per_proc", Column.RAW_NU);
        atMost(String.format(Locale.ROOT, "procmgr nuprocess, %,d live: heap per process <= 20 KB beyond raw NuProcess", bigN),
                pmHeap.isPresent() && rawHeap.isPresent() ? OptionalDouble.of(pmHeap.getAsDouble() - rawHeap.getAsDouble())
                        : OptionalDouble.empty(), 20, "KB");
        int stopN = stopN(s);
        String floor = Double.isNaN(machine.stopFloorSeconds()) ? null : String.format(Locale.ROOT,
                "before the run, /bin/sh ended as many sleep in %.2f s", machine.stopFloorSeconds());
        for (Column c : List.of(Column.PM_JDK, Column.PM_NU)) {
            OptionalDouble v = median("live." + stopN + ".stop_s", c);
            boolean capped = samples("live." + stopN + ".stop_s.capped", c).stream().anyMatch(x -> x > 0);
            target(String.format(Locale.ROOT, "stop-all of %,d TERM-respecting processes < 1 s: %s", stopN, c.title), v,
                    capped ? "s or more (capped)" : "s", v.isPresent() && v.getAsDouble() < 1.0, floor);
        }
    }

    /** The live row whose stop-all the target is about: 1,000 when it runs, else the largest. */
    static int stopN(ScenarioRunner.Settings s) {
        return s.liveN().contains(1000) ? 1000 : s.liveN().stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    // ------------------------------------------------------------------ output

    void print(PrintStream out) {
        out.println("# procmgr-bench (" + s.mode() + ")");
        out.println();
        for (String line : metaLines()) {
            out.println(line);
        }
        out.println();
        StringBuilder h = new StringBuilder("| # | scenario | unit |");
        StringBuilder sep = new StringBuilder("|---|---|---|");
        for (Column c : COLS) {
            h.append(' ').append(c.title).append(" |");
            sep.append("---:|");
        }
        h.append(" jdk / PB | nu / Nu | nu / PB |");
        sep.append("---:|---:|---:|");
        out.println(h);
        out.println(sep);
        for (ScenarioRunner.Row r : rows) {
            StringBuilder b = new StringBuilder("| ").append(r.id()).append(" | ").append(r.label()).append(" | ")
                    .append(r.unit()).append(" |");
            for (Column c : COLS) {
                b.append(' ').append(cell(r, c)).append(" |");
            }
            b.append(' ').append(fmtRatio(ratio(r.metric(), Column.PM_JDK, Column.RAW_PB))).append(" |");
            b.append(' ').append(fmtRatio(ratio(r.metric(), Column.PM_NU, Column.RAW_NU))).append(" |");
            b.append(' ').append(fmtRatio(ratio(r.metric(), Column.PM_NU, Column.RAW_PB))).append(" |");
            out.println(b);
        }
        out.println();
        out.println("Cells: median (min..max) of " + s.reps() + " repetitions; "
                + (s.capMs() >= ScenarioRunner.NO_CAP_MS && s.exitCapMs() >= ScenarioRunner.NO_CAP_MS
                        ? "no time cap on the spawn and exit repetitions (--cap-ms 0)."
                        : "n= runs per repetition when a time cap (" + capText(s.capMs()) + " spawn, "
                                + capText(s.exitCapMs()) + " exit) cut it short.")
                + " Ratios: procmgr median / raw median,"
                + " except rows 1-2: the median of the per-round ratios (procmgr's repetition k over raw's repetition k,"
                + " measured seconds apart) (higher is better for /s rows, lower for ms, s, threads, MB, KB).");
        out.println("plain launch: raw without prefix, procmgr newSession(false). isolated: raw with the /usr/bin/setsid prefix,"
                + " procmgr newSession(true) (its default). Rows 1a-1f: output discarded (ProcessBuilder DISCARD, procmgr"
                + " OutputSpec.discard(); NuProcess always pipes). Rows 1g, 2-4: each library's default output (ProcessBuilder"
                + " unread pipes, procmgr capture of 1000 lines per stream). Rows 3-5: procmgr with its default isolated spec,"
                + " raw as written by hand without prefix. Stop-all: procmgr close(), raw destroy() each then wait each."
                + " Row 3: a fresh worker JVM per repetition" + (s.liveJvmPerRep() ? "" : " (not in this mode: one per column)")
                + "; start-all capped at " + ScenarioRunner.startCapMs(s, 1000) / 1000 + " s up to 1,000 processes, "
                + s.startCapMs() / 1000 + " s above (then measured with the n processes started),"
                + " stop-all capped at " + s.stopCapMs() / 1000.0 + " s (then the sleeps are KILLed so the run goes on);"
                + (s.liveAll() ? "" : " above 1,000 processes only the NuProcess columns run (--live-all for all).")
                + " Spawn rows: raw NuProcess needs its 250 ms exit poll per sequential run, hence n."
                + " Rows 2e-2f: a sleep is started untimed, then gets kill -9 through kill(2) from outside the library;"
                + " the clock stops in the library's exit callback (plain launch; the exit path is the same isolated)."
                + " Rows 1-2: every worker JVM first starts and waits until the JIT is quiet (1 to " + (s.mode().equals("quick") ? 3 : 8) + " s; the same rule"
                + " for every column; as many workers at a time as there are cores, before any measuring); repetitions are interleaved across columns (one warm worker JVM per column"
                + (s.oneJvmPerColumn() ? "" : " and family") + "; round k runs repetition k of a row in each column's"
                + " worker in turn, one measuring at a time), so a row's figures are taken seconds apart.");
        for (String f : failures) {
            out.println("FAILED: " + f);
        }
        out.println();
        out.println("Targets (issue 6):");
        for (Map<String, Object> t : targets) {
            Object met = t.get("met");
            String mark = met == null ? "NOT MEASURED" : (Boolean) met ? "MET   " : "MISSED";
            Object v = t.get("value");
            out.println(String.format(Locale.ROOT, "  %s %s: %s%s", mark, t.get("target"),
                    v == null ? "-" : String.format(Locale.ROOT, "%.2f %s", (Double) v, t.get("unit")),
                    t.containsKey("context") ? " (" + t.get("context") + ")" : ""));
        }
    }

    private List<String> metaLines() {
        List<String> l = new ArrayList<>();
        l.add("- date: " + began.truncatedTo(ChronoUnit.SECONDS) + String.format(Locale.ROOT, ", took %.0f s", seconds));
        l.add("- JDK: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + "; nproc: " + Runtime.getRuntime().availableProcessors());
        l.add("- load average (1/5/15 min) before: " + loadBefore + ", after: " + loadAfter);
        l.add("- limits: " + limits());
        l.add("- this machine's launch speed, before the run: " + machine.launchSpeed());
        if (machine.stopFloor() != null) {
            l.add("- this machine's stop-all floor, before the run: " + machine.stopFloor());
        }
        l.add("- command args: " + (args.isEmpty() ? "(none: default settings)" : args));
        l.add("- settings: " + s);
        l.add("- procmgr: ManagerOptions.defaults().withShutdownHook(false).withGuardian(" + PmDriver.OPTIONS.guardian() + ")"
                + "; logging at WARN; worker JVMs: default flags" + (System.getProperty("procmgr.bench.jvmOpts") == null ? ""
                : " + " + System.getProperty("procmgr.bench.jvmOpts")));
        return l;
    }

    static String limits() {
        try {
            String proc = "?";
            String files = "?";
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max processes")) {
                    proc = line.substring(25).trim().split("\\s+")[0];
                } else if (line.startsWith("Max open files")) {
                    files = line.substring(25).trim().split("\\s+")[0];
                }
            }
            return "max user processes (ulimit -u) " + proc + ", open files (ulimit -n) " + files;
        } catch (IOException e) {
            return "?";
        }
    }

    void writeJson(Path file) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("date", began.toString());
        meta.put("seconds", seconds);
        meta.put("jdk", System.getProperty("java.runtime.version"));
        meta.put("nproc", Runtime.getRuntime().availableProcessors());
        meta.put("loadBefore", loadBefore);
        meta.put("loadAfter", loadAfter);
        meta.put("limits", limits());
        meta.put("spawnReference", machine.launchSpeed());
        meta.put("stopFloor", machine.stopFloor());
        meta.put("args", args);
        meta.put("settings", s);
        meta.put("guardian", PmDriver.OPTIONS.guardian());
        root.put("meta", meta);
        List<String> cols = new ArrayList<>();
        for (Column c : COLS) {
            cols.add(c.key);
        }
        root.put("columns", cols);
        List<Map<String, Object>> rs = new ArrayList<>();
        for (ScenarioRunner.Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", r.id());
            m.put("label", r.label());
            m.put("metric", r.metric());
            m.put("unit", r.unit());
            m.put("higherBetter", r.higherBetter());
            Map<String, Object> cells = new LinkedHashMap<>();
            for (Column c : COLS) {
                List<Double> xs = samples(r.metric(), c);
                Map<String, Object> cell = new LinkedHashMap<>();
                if (!xs.isEmpty()) {
                    cell.put("median", Stats.median(xs));
                    cell.put("min", Stats.min(xs));
                    cell.put("max", Stats.max(xs));
                }
                cell.put("samples", xs);
                List<Double> capped = samples(r.metric() + ".capped", c);
                if (!capped.isEmpty()) {
                    cell.put("capped", capped);
                }
                List<Double> n = samples(r.metric() + ".n", c);
                if (!n.isEmpty()) {
                    cell.put("runs", n);
                }
                cells.put(c.key, cell);
            }
            m.put("cells", cells);
            Map<String, Object> ratios = new LinkedHashMap<>();
            ratios.put("procmgr_jdk/raw_processbuilder", nullable(ratio(r.metric(), Column.PM_JDK, Column.RAW_PB)));
            ratios.put("procmgr_nuprocess/raw_nuprocess", nullable(ratio(r.metric(), Column.PM_NU, Column.RAW_NU)));
            ratios.put("procmgr_nuprocess/raw_processbuilder", nullable(ratio(r.metric(), Column.PM_NU, Column.RAW_PB)));
            m.put("ratios", ratios);
            rs.add(m);
        }
        root.put("rows", rs);
        root.put("targets", targets);
        root.put("failures", failures);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
    }

    private static Double nullable(OptionalDouble d) {
        return d.isPresent() ? d.getAsDouble() : null;
    }
}
