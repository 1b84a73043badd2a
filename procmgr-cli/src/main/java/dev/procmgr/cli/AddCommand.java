package dev.procmgr.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "add", description = {"Add a program to the running supervisor and start it.",
        "Put -- before the command: procmgr add web --restart always -- python3 -m http.server 8080"})
final class AddCommand extends ClientCommand.WithConfig {

    @Parameters(index = "0", paramLabel = "TAG", description = "The new program's tag.")
    String tag;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "The command and its arguments.")
    List<String> command;

    @Option(names = "--restart", paramLabel = "POLICY", description = "never (default), on-failure or always.")
    RestartMode restart;

    @Option(names = "--max-restarts", paramLabel = "N", description = "Failures in a row before FATAL (default 5).")
    Integer maxRestarts;

    @Option(names = "--backoff", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Delay before the first restart (default 1s).")
    Duration backoff;

    @Option(names = "--start-seconds", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Uptime after which a run counts as started (default 1s).")
    Duration startSeconds;

    @Option(names = "--stop-signal", paramLabel = "SIGNAL", description = "TERM (default), INT, HUP, QUIT, KILL, USR1, USR2.")
    String stopSignal;

    @Option(names = "--stop-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Wait after the stop signal before KILL (default 10s).")
    Duration stopTimeout;

    @Option(names = {"-C", "--directory"}, paramLabel = "DIR", description = "Working directory (default: the current one).")
    Path directory;

    @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE", description = "An environment variable (repeatable).")
    Map<String, String> envVars = new LinkedHashMap<>();

    @Option(names = "--capture", paramLabel = "LINES", description = "Output lines kept for 'logs' (default 1000).")
    Integer capture;

    @Inject
    AddCommand(ObjectMapper json, CliEnvironment env) {
        super(json, env);
    }

    @Override
    public Integer call() {
        ObjectNode program = json.createObjectNode();
        program.set("command", array(command));
        Path cwd = Path.of("").toAbsolutePath();
        program.put("directory", (directory == null ? cwd : cwd.resolve(directory)).toString());
        if (!envVars.isEmpty()) {
            ObjectNode e = program.putObject("env");
            envVars.forEach(e::put);
        }
        if (restart != null) {
            program.put("restart", restart.toString());
        }
        if (maxRestarts != null) {
            program.put("max_restarts", maxRestarts);
        }
        if (backoff != null) {
            program.put("backoff", backoff.toMillis() + "ms");
        }
        if (startSeconds != null) {
            program.put("start_seconds", startSeconds.toMillis() + "ms");
        }
        if (stopSignal != null) {
            program.put("stop_signal", stopSignal);
        }
        if (stopTimeout != null) {
            program.put("stop_timeout", stopTimeout.toMillis() + "ms");
        }
        if (capture != null) {
            program.putObject("output").put("capture", capture);
        }
        ObjectNode req = request("add").put("tag", tag).put("cwd", cwd.toString());
        req.set("program", program);
        return callWithResults(req);
    }
}
