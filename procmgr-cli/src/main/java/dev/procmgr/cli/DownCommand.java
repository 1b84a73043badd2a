package dev.procmgr.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;

@Command(name = "down", description = "Stop every program gracefully and end the supervisor.")
final class DownCommand extends ClientCommand.WithConfig {

    @Inject
    DownCommand(ObjectMapper json, CliEnvironment env) {
        super(json, env);
    }

    @Override
    public Integer call() throws InterruptedException {
        Path socket = config().socket(env);
        ObjectNode reply = call(request("down"), LONG_TIMEOUT_MILLIS);
        // the reply comes once every program is stopped; the socket goes with the supervisor
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (Files.exists(socket) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        out().println("stopped " + reply.path("stopped").asInt() + " programs; supervisor ended");
        out().flush();
        return ExitCodes.OK;
    }
}
