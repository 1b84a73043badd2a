package dev.procmgr.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * The line protocol between the runner and a worker JVM. The runner writes one command per line
 * to the worker's stdin and reads the answer from its stdout, where other lines may appear too
 * (they are passed on to stderr when the worker ends):
 *
 * <pre>
 *   worker: @@READY              its column's driver is made; it waits for commands
 *   runner: RUN {task}           run the task whole: its warm-up, then all its repetitions
 *   runner: REP {task}           run the task's next repetition (the first: after its warm-up)
 *   runner: WARM {task}          warm the JIT up on the task's launch now (see Scenarios#jitWarmUp)
 *   worker: @@DONE               after each RUN or REP
 *   runner: END                  (or stdin closed) close the driver, check that nothing is left
 *   worker: @@RESULT {metrics}   every figure the worker measured; then it exits 0
 * </pre>
 *
 * <p>A worker that fails exits non-zero without {@code @@DONE} or {@code @@RESULT}. One whose
 * stop-all call had to be abandoned (live scenario) answers its command with {@code @@RESULT}
 * instead of {@code @@DONE} and halts; it takes no further commands.
 */
final class WorkerProtocol {
    static final String READY = "@@READY";
    static final String DONE = "@@DONE";
    static final String RESULT = "@@RESULT ";

    static final ObjectMapper JSON = new ObjectMapper();

    private WorkerProtocol() {
    }

    /** What a command asks of the worker. */
    enum Kind {
        RUN, REP, WARM, END
    }

    /**
     * One command line.
     *
     * @param kind what to do
     * @param task the task, for RUN and REP; null for END
     */
    record Command(Kind kind, Task task) {

        Command {
            Objects.requireNonNull(kind, "kind");
            if ((kind == Kind.END) != (task == null)) {
                throw new IllegalArgumentException(kind + " with task " + task);
            }
        }

        static Command whole(Task t) {
            return new Command(Kind.RUN, t);
        }

        static Command repetition(Task t) {
            return new Command(Kind.REP, t);
        }

        static Command warmUp(Task t) {
            return new Command(Kind.WARM, t);
        }

        static Command end() {
            return new Command(Kind.END, null);
        }

        /** The command as one line, without the line end (the JSON has no line breaks). */
        String encode() {
            try {
                return kind == Kind.END ? kind.name() : kind.name() + " " + JSON.writeValueAsString(task);
            } catch (JsonProcessingException e) { // a task is a record of strings and numbers
                throw new UncheckedIOException(e);
            }
        }

        static Command parse(String line) throws JsonProcessingException {
            int sp = line.indexOf(' ');
            Kind kind = Kind.valueOf(sp < 0 ? line : line.substring(0, sp));
            return new Command(kind, sp < 0 ? null : JSON.readValue(line.substring(sp + 1), Task.class));
        }
    }
}
