package dev.procmgr.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.procmgr.bench.WorkerProtocol.Command;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One worker JVM as the runner sees it: started for one column, given commands one at a time
 * ({@link WorkerProtocol}), watched, and ended for its figures.
 *
 * <p>A watchdog stops the worker when a command (or its start, or its end) goes unanswered for
 * {@value #COMMAND_TIMEOUT_S} s; time spent idle between commands does not count. A worker that
 * fails in any way is reported once in the shared failure list, takes no further commands, and
 * gives no figures (its cells stay empty); the run goes on.
 */
final class WorkerProcess {
    static final long COMMAND_TIMEOUT_S = 300;

    private final Column column;
    private final List<Task> tasks;
    private final List<String> failures;
    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final List<String> other = new ArrayList<>();
    // the worker's own children (a guardian), remembered: they outlive the worker's end
    private final Set<ProcessHandle> seen = ConcurrentHashMap.newKeySet();
    // System.nanoTime() by which the pending command must be answered; 0 while idle
    private volatile long deadline;
    private Map<String, List<Double>> result;
    private boolean failed;

    private WorkerProcess(Column column, List<Task> tasks, List<String> failures, Process process) {
        this.column = column;
        this.tasks = List.copyOf(tasks);
        this.failures = failures;
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    /**
     * Starts a worker JVM for {@code column}; {@code tasks} (all it will be given) only name it in
     * a failure report. Call {@link #awaitReady()} before the first command.
     */
    static WorkerProcess start(Column column, List<Task> tasks, List<String> failures) throws IOException, URISyntaxException {
        Process p = new ProcessBuilder(command(column)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        WorkerProcess w = new WorkerProcess(column, tasks, failures, p);
        w.deadline = deadlineFromNow();
        w.startWatchdog();
        return w;
    }

    private static List<String> command(Column column) throws URISyntaxException {
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
        cmd.add(column.name());
        return cmd;
    }

    Column column() {
        return column;
    }

    /** True while the worker takes commands: it has neither failed nor handed in its figures. */
    boolean usable() {
        return !failed && result == null;
    }

    /** Waits until the JVM is up and its driver made (or it failed: then it is reported, and no longer usable). */
    void awaitReady() throws InterruptedException {
        if (usable()) {
            answered(WorkerProtocol.READY);
        }
    }

    /**
     * Sends one RUN or REP command and waits for its answer (or the worker's failure: then it is
     * reported, and no longer usable); does nothing for a worker that is no longer {@linkplain
     * #usable() usable}.
     */
    void execute(Command c) throws InterruptedException {
        if (usable() && send(c)) {
            answered(WorkerProtocol.DONE);
        }
    }

    /**
     * Ends the worker (END, then its figures, its exit, and the end of what it started); returns
     * its figures, or an empty map for a worker that failed.
     */
    Map<String, List<Double>> end() throws InterruptedException {
        if (usable() && send(Command.end())) {
            answered(null);
        }
        if (failed) {
            return Map.of();
        }
        int rc = finish();
        if (rc != 0 || result == null) {
            fail(rc);
            return Map.of();
        }
        return result;
    }

    /** Stops the worker if it still runs (the runner gave up on the batch); no-op after {@link #end()}. */
    void abort() {
        if (process.isAlive()) {
            process.destroy(); // its shutdown hook stops what it started
        }
    }

    private boolean send(Command c) throws InterruptedException {
        String line = c.encode();
        deadline = deadlineFromNow();
        try {
            in.write(line);
            in.write('\n');
            in.flush();
            return true;
        } catch (IOException e) { // the worker is gone; its exit code tells the rest
            fail(finish());
            return false;
        }
    }

    /**
     * Reads the worker's output up to {@code marker} (null: up to the result); a result read
     * instead ends the worker's commands (an abandoned stop-all). False if the worker failed.
     */
    private boolean answered(String marker) throws InterruptedException {
        try {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(WorkerProtocol.RESULT)) {
                    result = WorkerProtocol.JSON.readValue(line.substring(WorkerProtocol.RESULT.length()),
                            new TypeReference<Map<String, List<Double>>>() { });
                    return true; // the deadline stays: the worker must still exit (finish)
                }
                if (line.equals(marker)) {
                    deadline = 0;
                    rememberChildren(); // between measurements: a look at /proc costs nobody
                    return true;
                }
                other.add(line);
            }
        } catch (IOException e) {
            other.add("procmgr-bench: reading from the worker failed: " + e);
        }
        fail(finish()); // no answer: the worker died, or the watchdog stopped it
        return false;
    }

    /** Waits for the worker's exit and for the end of what it left (a guardian); the exit code. */
    private int finish() throws InterruptedException {
        int rc = process.waitFor();
        deadline = 0;
        try {
            in.close();
        } catch (IOException e) {
            // the worker is gone: nothing to flush
        }
        other.forEach(System.err::println);
        other.clear();
        awaitGone();
        return rc;
    }

    private void fail(int rc) {
        if (failed) {
            return;
        }
        failed = true;
        String what = column.title + " " + tasks.stream().map(Task::scenario).distinct().toList()
                + ": worker failed (exit " + rc + "), see stderr";
        System.err.println("procmgr-bench: " + what);
        failures.add(what);
    }

    private void rememberChildren() {
        process.children().filter(h -> !h.info().command().map(Scenarios.SLEEP::equals).orElse(false)).forEach(seen::add);
    }

    private static long deadlineFromNow() {
        long d = System.nanoTime() + TimeUnit.SECONDS.toNanos(COMMAND_TIMEOUT_S);
        return d == 0 ? 1 : d;
    }

    /** Stops the worker when the pending command's deadline passes; its read then sees the end. */
    private void startWatchdog() {
        Thread watchdog = new Thread(() -> {
            try {
                while (!process.waitFor(1, TimeUnit.SECONDS)) {
                    long d = deadline;
                    if (d != 0 && System.nanoTime() - d > 0) {
                        System.err.println("procmgr-bench: worker " + process.pid() + " (" + column.title + ") did not answer in "
                                + COMMAND_TIMEOUT_S + " s; stopping it");
                        rememberChildren();
                        process.destroy(); // its shutdown hook stops what it started
                        if (!process.waitFor(15, TimeUnit.SECONDS)) {
                            process.destroyForcibly();
                        }
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "bench-watchdog-" + column.name());
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /**
     * Waits until every process the worker had is gone (a guardian finishes on its own once the
     * worker's pipe closes), so that the next worker is measured on a quiet machine; KILLs what is
     * still there after 30 s.
     */
    private void awaitGone() throws InterruptedException {
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

    /** The class path of the runner: the exec:java class loader's URLs, else java.class.path. */
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
}
