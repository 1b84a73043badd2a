package dev.procmgr.bench;

import dev.procmgr.bench.Batch.Lane;
import dev.procmgr.bench.WorkerProtocol.Command;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Runs one {@link Batch}. It starts a worker JVM per lane and waits until all are up, so that no
 * JVM start overlaps a measurement. Then, task by task, round k runs repetition k of the task in
 * each lane's worker in turn: one worker measures at a time while the others wait idle on stdin,
 * and the columns' figures of a row are taken seconds apart rather than a minute apart (this
 * VM's speed drifts by about 10% from minute to minute). Last, each lane runs its whole tasks and
 * its worker ends.
 */
final class BatchRunner {
    private final boolean parallelWhole;
    private final List<String> failures;
    private final Consumer<String> progress;

    /**
     * @param parallelWhole run the lanes' whole tasks at once (smoke mode: completeness, not speed)
     * @param failures where failed workers are reported (shared, synchronized)
     * @param progress takes one line per step of the batch, for stderr
     */
    BatchRunner(boolean parallelWhole, List<String> failures, Consumer<String> progress) {
        this.parallelWhole = parallelWhole;
        this.failures = failures;
        this.progress = progress;
    }

    /** Runs the batch; returns each lane's figures, in lane order (empty for a failed worker). */
    List<Map<String, List<Double>>> run(Batch b) throws Exception {
        List<WorkerProcess> workers = new ArrayList<>();
        try {
            for (Lane l : b.lanes()) {
                workers.add(WorkerProcess.start(l.column(), l.tasks(), failures));
            }
            for (WorkerProcess w : workers) {
                w.awaitReady();
            }
            warmUp(b, workers);
            rounds(b, workers);
            return parallelWhole ? wholeAtOnce(b, workers) : wholeInTurn(b, workers);
        } finally {
            workers.forEach(WorkerProcess::abort); // only after an exception is any still running
        }
    }

    /**
     * The workers' JIT warm-ups, as many at a time as there are cores: nothing is measured during
     * them, and one after another they were a fifth of a quick run. (Smoke mode's workers skip
     * it: they check completeness, not speed.)
     */
    private void warmUp(Batch b, List<WorkerProcess> workers) throws Exception {
        if (b.interleaved().isEmpty()) {
            return;
        }
        int atOnce = Math.max(1, Runtime.getRuntime().availableProcessors());
        progress.accept("JIT warm-up of " + workers.size() + " workers, " + atOnce + " at a time");
        List<Callable<Void>> jobs = new ArrayList<>();
        for (int j = 0; j < workers.size(); j++) {
            WorkerProcess w = workers.get(j);
            Task first = b.lanes().get(j).interleaved().get(0);
            jobs.add(() -> {
                w.execute(Command.warmUp(first));
                return null;
            });
        }
        atOnce(atOnce, jobs);
    }

    private void rounds(Batch b, List<WorkerProcess> workers) throws InterruptedException {
        List<Task> tasks = b.interleaved();
        for (int i = 0; i < tasks.size(); i++) {
            long reps = tasks.get(i).param("reps");
            progress.accept("interleaved across " + workers.stream().filter(WorkerProcess::usable).map(w -> w.column().title)
                    .toList() + ": " + tasks.get(i).label() + ", " + reps + " rounds");
            for (int k = 0; k < reps; k++) {
                for (int j = 0; j < workers.size(); j++) {
                    // the first repetition in a worker also runs the task's warm-up (and the JIT's)
                    workers.get(j).execute(Command.repetition(b.lanes().get(j).interleaved().get(i)));
                }
            }
        }
    }

    private List<Map<String, List<Double>>> wholeInTurn(Batch b, List<WorkerProcess> workers) throws InterruptedException {
        List<Map<String, List<Double>>> out = new ArrayList<>();
        for (int j = 0; j < workers.size(); j++) {
            out.add(whole(b.lanes().get(j), workers.get(j)));
        }
        return out;
    }

    private List<Map<String, List<Double>>> wholeAtOnce(Batch b, List<WorkerProcess> workers) throws Exception {
        List<Callable<Map<String, List<Double>>>> jobs = new ArrayList<>();
        for (int j = 0; j < workers.size(); j++) {
            Lane l = b.lanes().get(j);
            WorkerProcess w = workers.get(j);
            jobs.add(() -> whole(l, w));
        }
        return atOnce(workers.size(), jobs);
    }

    /** Runs the jobs on {@code threads} threads at once; their results in job order. */
    private static <T> List<T> atOnce(int threads, List<Callable<T>> jobs) throws Exception {
        ExecutorService ex = Executors.newFixedThreadPool(threads);
        try {
            List<Future<T>> fs = new ArrayList<>();
            for (Callable<T> job : jobs) {
                fs.add(ex.submit(job));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : fs) {
                out.add(f.get());
            }
            return out;
        } finally {
            ex.shutdownNow();
        }
    }

    /** The lane's whole tasks, then the end of its worker (so that it is gone before the next lane's). */
    private Map<String, List<Double>> whole(Lane l, WorkerProcess w) throws InterruptedException {
        if (!l.whole().isEmpty() && w.usable()) {
            progress.accept(l.column().title + ": " + l.whole().stream().map(Task::label).toList());
        }
        for (Task t : l.whole()) {
            w.execute(Command.whole(t));
        }
        return w.end();
    }
}
