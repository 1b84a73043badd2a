package dev.procmgr.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "logs", description = "Print a program's last output lines; -f keeps printing new ones until Ctrl-C.")
final class LogsCommand extends ClientCommand {

    @Parameters(index = "0", paramLabel = "TAG", description = "The program.")
    String tag;

    @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "100", description = "How many lines (default ${DEFAULT-VALUE}).")
    int lines;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines.")
    boolean follow;

    @Option(names = "--stderr", description = "Standard error instead of standard output.")
    boolean stderr;

    @picocli.CommandLine.Mixin
    ConfigOptions.LongOnly config;

    @Override
    ConfigOptions config() {
        return config;
    }

    @Inject
    LogsCommand(ObjectMapper json, CliEnvironment env) {
        super(json, env);
    }

    @Override
    public Integer call() {
        if (lines < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "-n must not be negative");
        }
        ObjectNode req = request("logs").put("tag", tag).put("n", lines).put("stream", stderr ? "stderr" : "stdout")
                .put("follow", follow);
        PrintWriter out = out();
        try (ControlClient c = connect()) {
            c.send(req);
            ObjectNode reply = c.next(SHORT_TIMEOUT_MILLIS);
            if (reply == null) {
                throw new CliException(ExitCodes.FAILURE, "the supervisor closed the connection without answering");
            }
            ControlClient.check(reply);
            for (JsonNode l : reply.path("lines")) {
                out.println(l.asText());
            }
            out.flush();
            if (!follow) {
                return ExitCodes.OK;
            }
            ObjectNode next;
            while ((next = c.next(0)) != null) {
                if (next.has("line")) {
                    out.println(next.path("line").asText());
                } else if (next.has("dropped")) {
                    err().println("procmgr: " + next.path("dropped").asLong() + " lines dropped (too slow a reader)");
                }
                out.flush();
            }
        }
        return ExitCodes.OK;
    }
}
