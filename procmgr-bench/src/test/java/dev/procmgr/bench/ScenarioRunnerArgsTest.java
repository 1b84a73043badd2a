package dev.procmgr.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procmgr.bench.ScenarioRunner.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The command line: caps, and a usage line instead of a stack trace for a mistake. */
class ScenarioRunnerArgsTest {

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    private Optional<Settings> parse(String... args) {
        return ScenarioRunner.parse(args, new PrintStream(printed, true, StandardCharsets.UTF_8)).map(p -> (Settings) p[0]);
    }

    private String printed() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theDefaultRunCapsEachSpawnAndExitRepetitionAt500Ms() {
        Settings s = parse().orElseThrow();
        assertThat(s.runs()).isEqualTo(2000);
        assertThat(s.capMs()).isEqualTo(500);
        assertThat(s.exitCapMs()).isEqualTo(500);
    }

    @Test
    void capZeroLetsEveryRepetitionDoAllItsRuns() {
        Settings s = parse("--only", "spawn,exit", "--cap-ms", "0").orElseThrow();
        assertThat(s.only()).containsExactly("spawn", "exit");
        assertThat(s.capMs()).isEqualTo(ScenarioRunner.NO_CAP_MS);
        assertThat(s.exitCapMs()).isEqualTo(ScenarioRunner.NO_CAP_MS);
        assertThat(s.runs()).isEqualTo(2000);
        assertThat(parse("--cap-ms", "250").orElseThrow().capMs()).isEqualTo(250);
    }

    @Test
    void aBadCommandLinePrintsWhatIsWrongAndTheUsage() {
        assertThat(parse("--runs", "many")).isEmpty();
        assertThat(printed()).contains("procmgr-bench: bad value", "\"many\"", "usage: procmgr-bench");
        printed.reset();
        assertThat(parse("--quick", "--cap-ms")).isEmpty();
        assertThat(printed()).contains("procmgr-bench: --cap-ms needs a value");
        printed.reset();
        assertThat(parse("--columns", "RAW_PB,NOPE")).isEmpty();
        assertThat(printed()).contains("procmgr-bench: bad value", "NOPE");
        printed.reset();
        assertThat(parse("--only", "spawn,exits")).isEmpty();
        assertThat(printed()).contains("procmgr-bench: --only takes spawn,exit,stop+output,live, not spawn,exits");
        printed.reset();
        assertThat(parse("--fast")).isEmpty();
        assertThat(printed()).contains("procmgr-bench: unknown option --fast");
    }
}
