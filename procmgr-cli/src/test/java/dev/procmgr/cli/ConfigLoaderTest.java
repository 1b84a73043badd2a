package dev.procmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procmgr.api.RestartPolicy;
import dev.procmgr.api.Signal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    private Path write(String yaml) throws Exception {
        Path f = dir.resolve("procmgr.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void readsEveryKey() throws Exception {
        Path f = write("""
                programs:
                  web:
                    command: [sh, -c, "echo hi", 8080]
                    directory: site
                    env: {PORT: 8080, NAME: web}
                    restart: on-failure
                    max_restarts: 3
                    backoff: {initial: 500ms, max: 2m}
                    start_seconds: 2s
                    stop_signal: SIGINT
                    stop_timeout: 1m30s
                    output: {capture: 50, file: logs/web.log, max_size: 2MB, keep: 2}
                    autostart: false
                  plain:
                    command: [sleep, "5"]
                """);
        Map<String, ProgramConfig> programs = loader.load(f);
        assertThat(programs).containsOnlyKeys("web", "plain");
        ProgramConfig web = programs.get("web");
        assertThat(web.command()).containsExactly("sh", "-c", "echo hi", "8080");
        assertThat(web.directory()).isEqualTo(dir.resolve("site"));
        assertThat(web.env()).containsEntry("PORT", "8080").containsEntry("NAME", "web");
        assertThat(web.restart()).isEqualTo(RestartPolicy.Mode.ON_FAILURE);
        assertThat(web.maxRestarts()).isEqualTo(3);
        assertThat(web.backoff()).isEqualTo(Duration.ofMillis(500));
        assertThat(web.maxBackoff()).isEqualTo(Duration.ofMinutes(2));
        assertThat(web.startSeconds()).isEqualTo(Duration.ofSeconds(2));
        assertThat(web.stopSignal()).isEqualTo(Signal.INT);
        assertThat(web.stopTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(web.output().captureLines()).isEqualTo(50);
        assertThat(web.output().file()).contains(dir.resolve("logs/web.log"));
        assertThat(web.output().stderrFile()).contains(dir.resolve("logs/web.err.log"));
        assertThat(web.output().maxSize()).isEqualTo(2L * 1024 * 1024);
        assertThat(web.output().keep()).isEqualTo(2);
        assertThat(web.autostart()).isFalse();
        ProgramConfig plain = programs.get("plain");
        assertThat(plain.directory()).isEqualTo(dir);
        assertThat(plain.restart()).isEqualTo(RestartPolicy.Mode.NEVER);
        assertThat(plain.autostart()).isTrue();
        assertThat(plain.toSpec(dev.procmgr.api.OutputSpec.discard(), dev.procmgr.api.OutputSpec.discard()).command())
                .containsExactly("sleep", "5");
    }

    @Test
    void theShippedExampleIsValid() throws Exception {
        Path example = Path.of(System.getProperty("user.dir")).resolve("../examples/procmgr.yaml").normalize();
        Map<String, ProgramConfig> programs = loader.load(example);
        assertThat(programs).containsKeys("ticker", "crasher");
        assertThat(programs.get("crasher").restart()).isEqualTo(RestartPolicy.Mode.ON_FAILURE);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "unknown key          | programs:\\n  web:\\n    command: [a]\\n    restrat: always\\n      | 4 | programs.web.restrat   | unknown key",
        "bad duration         | programs:\\n  web:\\n    command: [a]\\n    stop_timeout: 10x\\n  | 4 | programs.web.stop_timeout | invalid duration '10x'",
        "duration as list     | programs:\\n  web:\\n    command: [a]\\n    backoff: [1s]\\n      | 4 | programs.web.backoff   | expected a duration",
        "wrong type int       | programs:\\n  web:\\n    command: [a]\\n    max_restarts: many\\n | 4 | programs.web.max_restarts | expected a whole number",
        "wrong type bool      | programs:\\n  web:\\n    command: [a]\\n    autostart: 3\\n       | 4 | programs.web.autostart | expected true or false",
        "command as string    | programs:\\n  web:\\n    command: sleep 5\\n                   | 3 | programs.web.command   | must be a list",
        "missing command      | programs:\\n  web:\\n    restart: always\\n                    | 3 | programs.web.command   | missing",
        "empty command        | programs:\\n  web:\\n    command: []\\n                         | 3 | programs.web.command   | is empty",
        "bad restart          | programs:\\n  web:\\n    command: [a]\\n    restart: sometimes\\n | 4 | programs.web.restart   | one of never, on-failure, always",
        "bad signal           | programs:\\n  web:\\n    command: [a]\\n    stop_signal: STOP\\n  | 4 | programs.web.stop_signal | unknown signal",
        "bad tag              | programs:\\n  'we b':\\n    command: [a]\\n                      | 2 | programs.we b           | invalid tag",
        "duplicate key        | programs:\\n  web:\\n    command: [a]\\n    command: [b]\\n       | 4 | programs.web.command   | duplicate key",
        "unknown output key   | programs:\\n  web:\\n    command: [a]\\n    output:\\n      lines: 5\\n | 5 | programs.web.output.lines | unknown key",
        "max_size w/o file    | programs:\\n  web:\\n    command: [a]\\n    output: {max_size: 1MB}\\n | 4 | programs.web.output.max_size | only applies with 'file'",
        "bad size             | programs:\\n  web:\\n    command: [a]\\n    output: {file: x, max_size: lots}\\n | 4 | programs.web.output.max_size | invalid size",
        "programs not a map   | programs: [a, b]\\n                                            | 1 | programs               | expected a mapping",
        "unknown top key      | programs: {}\\nprogram: {}\\n                                 | 2 | program                | unknown key",
        "bad env name         | programs:\\n  web:\\n    command: [a]\\n    env: {'A=B': c}\\n    | 4 | programs.web.env.A=B   | invalid environment variable name",
    })
    void errorsNameFileLineAndKey(String name, String yaml, int line, String key, String problem) throws Exception {
        Path f = write(yaml.replace("\\n", "\n"));
        assertThatThrownBy(() -> loader.load(f))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(f + ":" + line + ": " + key + ": ")
                .hasMessageContaining(problem);
    }

    @Test
    void syntaxErrorsNameTheLine() throws Exception {
        Path f = write("programs:\n  web:\n    command: [a, b\n    restart: always\n");
        assertThatThrownBy(() -> loader.load(f)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(f + ":").hasMessageContaining("syntax error");
    }

    @Test
    void emptyAndMissingFiles() throws Exception {
        Path f = write("");
        assertThatThrownBy(() -> loader.load(f)).hasMessageContaining("empty");
        assertThatThrownBy(() -> loader.load(dir.resolve("nope.yaml"))).hasMessageEndingWith("nope.yaml: no such file");
    }

    @Test
    void requestProgramsUseTheSameRules() throws Exception {
        ProgramConfig p = loader.program("web", "{\"command\":[\"sleep\",\"1\"],\"stop_timeout\":\"2s\"}", dir);
        assertThat(p.stopTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThatThrownBy(() -> loader.program("web", "{\"command\":[\"sleep\"],\"bogus\":1}", dir))
                .hasMessageContaining("program.bogus: unknown key");
        assertThatThrownBy(() -> loader.program("bad tag", "{\"command\":[\"sleep\"]}", dir))
                .hasMessageContaining("invalid tag");
    }

    @Test
    void durations() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("3")).isEqualTo(Duration.ofSeconds(3));
        for (String bad : new String[] {"", "10x", "s", "-1s", "1 s", "1m-", "ms10"}) {
            assertThatThrownBy(() -> Durations.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(Durations.format(Duration.ofMillis(500))).isEqualTo("500ms");
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("1m30s");
        assertThat(Durations.clock(Duration.ofSeconds(3723))).isEqualTo("1:02:03");
        assertThat(Durations.clock(Duration.ofSeconds(90061))).isEqualTo("1d 1:01:01");
        assertThat(Durations.parseSize("10MB")).isEqualTo(10L * 1024 * 1024);
        assertThat(Durations.parseSize("512")).isEqualTo(512);
    }
}
