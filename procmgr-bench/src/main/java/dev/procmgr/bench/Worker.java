package dev.procmgr.bench;

import dev.procmgr.bench.WorkerProtocol.Command;
import dev.procmgr.bench.WorkerProtocol.Kind;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The worker JVM ({@code ScenarioRunner --worker COLUMN}): one column's driver, kept for the
 * worker's life, running the commands it reads on stdin one at a time ({@link WorkerProtocol}).
 * Between commands it only waits on stdin, so it costs the worker being measured nothing.
 */
final class Worker {
    private final Column column;
    private final Driver driver;
    private final Scenarios scenarios;

    private Worker(Column column) {
        this.column = column;
        this.driver = Driver.of(column);
        this.scenarios = new Scenarios(driver);
    }

    /** The worker's main: {@code args} are {@code --worker COLUMN}; returns the exit code. */
    static int run(String[] args) throws Exception {
        return new Worker(Column.valueOf(args[1])).serve();
    }

    private int serve() throws Exception {
        Thread hook = new Thread(driver::close, "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            answer(WorkerProtocol.READY);
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) { // stdin closed: the runner is gone, end as on END
                Command c = Command.parse(line);
                if (c.kind() == Kind.END) {
                    break;
                }
                execute(c);
                if (scenarios.abandoned()) {
                    break;
                }
                answer(WorkerProtocol.DONE);
            }
        } finally {
            driver.close();
            scenarios.cleanUp();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        if (scenarios.abandoned()) {
            // a stop-all call still crawls on with every process dead: say so, check, and halt
            Scenarios.killSleeps();
            answerResult();
            Runtime.getRuntime().halt(0);
        }
        List<ProcessHandle> left = leftovers();
        if (!left.isEmpty()) {
            left.forEach(ProcessHandle::destroyForcibly);
            System.err.println("procmgr-bench: " + column.title + " left processes behind (killed now): "
                    + left.stream().map(h -> h.pid() + " " + h.info().commandLine().orElse("?")).toList());
            return 3;
        }
        answerResult();
        return 0;
    }

    private void execute(Command c) throws Exception {
        Task t = c.task();
        long t0 = System.nanoTime();
        if (c.kind() == Kind.REP) {
            scenarios.runRepetition(t);
        } else if (c.kind() == Kind.WARM) {
            scenarios.jitWarmUp(t);
        } else {
            scenarios.run(t);
        }
        if (Boolean.getBoolean("procmgr.bench.verbose")) {
            System.err.printf(Locale.ROOT, "procmgr-bench:   %s %s/%s%s took %.1f s%n", column.title, t.scenario(), t.variant(),
                    c.kind() == Kind.REP ? " (one repetition)" : c.kind() == Kind.WARM ? " (JIT warm-up)" : "", (System.nanoTime() - t0) / 1e9);
        }
    }

    private static void answer(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private void answerResult() throws Exception {
        answer(WorkerProtocol.RESULT + WorkerProtocol.JSON.writeValueAsString(scenarios.metrics()));
    }

    /** This JVM's descendants still alive 3 s after everything was stopped (a guardian exits on its own). */
    private static List<ProcessHandle> leftovers() throws InterruptedException {
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
}
