package dev.procmgr.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "status", description = "Show the programs: TAG STATE PID UPTIME RESTARTS LAST EXIT COMMAND.")
final class StatusCommand extends ClientCommand.WithConfig {

    @Parameters(paramLabel = "TAG", arity = "0..*", description = "Only these programs (default: all).")
    List<String> tags = new ArrayList<>();

    @Option(names = "--json", description = "Print a JSON array with the same fields instead of the table.")
    boolean asJson;

    @Inject
    StatusCommand(ObjectMapper json, CliEnvironment env) {
        super(json, env);
    }

    @Override
    public Integer call() throws JsonProcessingException {
        ObjectNode req = request("status");
        req.set("tags", array(tags));
        ObjectNode reply = call(req, SHORT_TIMEOUT_MILLIS);
        if (asJson) {
            out().println(json.writerWithDefaultPrettyPrinter().writeValueAsString(reply.path("programs")));
        } else {
            out().print(StatusTable.format(reply.path("programs")));
        }
        out().flush();
        return ExitCodes.OK;
    }
}
