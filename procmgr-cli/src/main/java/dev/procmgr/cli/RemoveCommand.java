package dev.procmgr.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Inject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "remove", description = "Stop a program and forget it (until a reload brings it back from the file).")
final class RemoveCommand extends ClientCommand.WithConfig {

    @Parameters(index = "0", paramLabel = "TAG", description = "The program.")
    String tag;

    @Inject
    RemoveCommand(ObjectMapper json, CliEnvironment env) {
        super(json, env);
    }

    @Override
    public Integer call() {
        return callWithResults(request("remove").put("tag", tag));
    }
}
