package dev.procmgr.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

@Command(name = "reload", description = {"Re-read the config file and apply the differences.",
        "Starts added programs, stops removed ones, restarts changed ones and leaves the others running.",
        "An invalid file changes nothing."})
final class ReloadCommand extends ClientCommand.WithConfig {

    @Inject
    ReloadCommand(ObjectMapper json, CliEnvironment env) {
        super(json, env);
    }

    @Override
    public Integer call() {
        ObjectNode reply = call(request("reload"), LONG_TIMEOUT_MILLIS);
        for (String what : List.of("added", "removed", "changed", "unchanged")) {
            List<String> tags = new ArrayList<>();
            for (JsonNode t : reply.path(what)) {
                tags.add(t.asText());
            }
            out().println(what + ": " + (tags.isEmpty() ? "-" : String.join(" ", tags)));
        }
        out().flush();
        return ExitCodes.OK;
    }
}
