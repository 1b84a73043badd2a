package dev.procmgr.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procmgr.bench.WorkerProtocol.Command;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The plan's batches and the worker commands, without starting any worker. */
class BatchPlanTest {

    @Test
    void defaultModeInterleavesSpawnAndExitAcrossWarmWorkersAndRunsTheRestColumnByColumn() {
        List<Batch> plan = ScenarioRunner.plan(ScenarioRunner.Settings.of("default"));

        Batch spawn = plan.get(0);
        assertThat(spawn.lanes()).extracting(Batch.Lane::column).containsExactly(Column.values());
        assertThat(spawn.interleaved()).extracting(Task::scenario).containsExactly("spawn.seq", "spawn.seq", "spawn.par2",
                "spawn.par2", "spawn.pipe", "spawn.pipe", "spawn.seqdefault");
        assertThat(spawn.lanes()).allSatisfy(l -> assertThat(l.whole()).isEmpty());

        Batch exit = plan.get(1);
        assertThat(exit.lanes()).hasSize(4);
        assertThat(exit.interleaved()).extracting(Task::scenario).containsExactly("exit", "exit", "exit.kill");

        // stop+output and live: one worker per batch, tasks run whole
        assertThat(plan.subList(2, plan.size())).allSatisfy(b -> {
            assertThat(b.lanes()).hasSize(1);
            assertThat(b.interleaved()).isEmpty();
        });
    }

    @Test
    void quickModeHasOneWorkerPerColumnForEverything() {
        List<Batch> plan = ScenarioRunner.plan(ScenarioRunner.Settings.of("quick"));

        assertThat(plan).hasSize(1);
        Batch.Lane pb = plan.get(0).lanes().get(0);
        assertThat(pb.interleaved()).hasSize(10);
        assertThat(pb.whole()).extracting(Task::scenario).containsExactly("stopkill", "output", "live");
    }

    @Test
    void lanesMustInterleaveTheSameTasks() {
        Task seq = new Task("spawn.seq", false, Map.of("reps", 3L));
        Task pipe = new Task("spawn.pipe", false, Map.of("reps", 3L));
        assertThatThrownBy(() -> new Batch(List.of(new Batch.Lane(Column.RAW_PB, List.of(seq), List.of()),
                new Batch.Lane(Column.PM_JDK, List.of(pipe), List.of())))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Batch.Lane(Column.RAW_PB, List.of(new Task("live", false, Map.of("reps", 3L))), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void commandsSurviveTheLine() throws Exception {
        Task t = new Task("exit", true, Map.of("runs", 300L, "reps", 3L, "capMs", 500L));
        for (Command c : List.of(Command.whole(t), Command.repetition(t), Command.warmUp(t), Command.end())) {
            String line = c.encode();
            assertThat(line).doesNotContain("\n");
            assertThat(Command.parse(line)).isEqualTo(c);
        }
    }
}
