package dev.procmgr.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * What one set of worker JVMs does, one worker per lane (a column), all started together: first
 * the interleaved tasks, in rounds across the lanes, then each lane's whole tasks.
 *
 * @param lanes the workers, in the order in which each round visits them
 */
record Batch(List<Lane> lanes) {

    Batch {
        lanes = List.copyOf(lanes);
        if (lanes.isEmpty()) {
            throw new IllegalArgumentException("a batch without lanes");
        }
        // a round runs the same task (scenario, variant, repetitions) in every lane
        List<Task> first = lanes.get(0).interleaved();
        for (Lane l : lanes) {
            if (l.interleaved().size() != first.size()) {
                throw new IllegalArgumentException("lanes with different interleaved tasks: " + lanes);
            }
            for (int i = 0; i < first.size(); i++) {
                Task a = first.get(i);
                Task b = l.interleaved().get(i);
                if (!a.scenario().equals(b.scenario()) || a.session() != b.session() || a.param("reps") != b.param("reps")) {
                    throw new IllegalArgumentException("lanes with different interleaved tasks: " + a + ", " + b);
                }
            }
        }
    }

    /** A batch of one worker that runs {@code whole} as whole tasks. */
    static Batch single(Column column, List<Task> whole) {
        return new Batch(List.of(new Lane(column, List.of(), whole)));
    }

    /** The interleaved tasks (the same in every lane). */
    List<Task> interleaved() {
        return lanes.get(0).interleaved();
    }

    /**
     * One worker's share.
     *
     * @param column the column the worker measures
     * @param interleaved tasks run one repetition per round, in turn with the other lanes
     * @param whole tasks run whole (warm-up and all repetitions at once) after the rounds
     */
    record Lane(Column column, List<Task> interleaved, List<Task> whole) {

        Lane {
            interleaved = List.copyOf(interleaved);
            whole = List.copyOf(whole);
            for (Task t : interleaved) {
                if (!Scenarios.interleavable(t.scenario())) {
                    throw new IllegalArgumentException(t.scenario() + " cannot be interleaved");
                }
            }
        }

        /** Every task of the lane. */
        List<Task> tasks() {
            List<Task> all = new ArrayList<>(interleaved);
            all.addAll(whole);
            return all;
        }
    }
}
