package dev.procmgr.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the scenario runner in smoke mode (a few runs per row, 50 live processes) and checks that
 * the table and the JSON have every row and every column with a positive figure. Nothing here
 * is timed: the smoke figures mean nothing.
 */
class ScenarioRunnerSmokeTest {

    @Test
    void smokeRunFillsEveryRowAndColumn(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            rc = ScenarioRunner.run(new String[] {"--smoke", "--json", json.toString()}, out);
        }
        String table = buf.toString(StandardCharsets.UTF_8);
        assertThat(rc).as(table).isZero();

        List<ScenarioRunner.Row> rows = ScenarioRunner.rows(ScenarioRunner.Settings.of("smoke"));
        for (Column c : Column.values()) {
            assertThat(table).contains(c.title);
        }
        assertThat(table).contains("repetitions are interleaved across columns");
        assertThat(table).containsPattern("this machine's launch speed, before the run: /bin/sh runs /bin/true [0-9,]+ times/s");
        assertThat(table).containsPattern("this machine's stop-all floor, before the run: /bin/sh sends TERM to 50 sleep in one kill"
                + " and waits for them in [0-9.]+ s; the CPUs were busy [0-9.]+ core-s");
        assertThat(table).contains("(before the run, /bin/sh ended as many sleep in ");
        for (ScenarioRunner.Row r : rows) {
            String line = table.lines().filter(l -> l.startsWith("| " + r.id() + " | " + r.label() + " |")).findFirst()
                    .orElseThrow(() -> new AssertionError("no table line for " + r.label() + "\n" + table));
            // | id | label | unit | 4 columns | 3 ratios |
            String[] cells = line.split("\\|");
            assertThat(cells).as(line).hasSize(11);
            for (int i = 4; i < 11; i++) {
                assertThat(cells[i].trim()).as(line).isNotEqualTo("-");
            }
        }

        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(root.path("rows")).hasSize(rows.size());
        for (JsonNode row : root.path("rows")) {
            // heap per process is a difference of two heap readings: with 50 processes of a few
            // hundred bytes each it is within the noise of a GC and may come out at or below zero
            boolean difference = row.path("metric").asText().endsWith("heap_kb_per_proc");
            for (Column c : Column.values()) {
                JsonNode cell = row.path("cells").path(c.key);
                String what = row.path("metric").asText() + " " + c.key;
                assertThat(cell.path("samples").size()).as(what).isGreaterThanOrEqualTo(3);
                assertThat(cell.path("median").isNumber()).as(what).isTrue();
                if (!difference) {
                    assertThat(cell.path("median").asDouble()).as(what).isPositive();
                    assertThat(cell.path("min").asDouble()).as(what).isPositive();
                }
            }
            for (String ratio : List.of("procmgr_jdk/raw_processbuilder", "procmgr_nuprocess/raw_nuprocess")) {
                JsonNode r = row.path("ratios").path(ratio);
                assertThat(r.isNumber()).as(row.path("metric") + " " + ratio).isTrue();
                if (!difference) {
                    assertThat(r.asDouble()).as(row.path("metric") + " " + ratio).isPositive();
                }
            }
        }
        assertThat(root.path("targets").size()).isPositive();
    }
}
