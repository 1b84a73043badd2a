package dev.procmgr.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code start}, {@code stop} and {@code restart}: the same shape, another op. */
abstract class LifecycleCommand extends ClientCommand.WithConfig {

    @Parameters(paramLabel = "TAG", arity = "0..*", description = "The programs.")
    List<String> tags = new ArrayList<>();

    @Option(names = "--all", description = "Every program.")
    boolean all;

    LifecycleCommand(ObjectMapper json, CliEnvironment env) {
        super(json, env);
    }

    abstract String op();

    @Override
    public Integer call() {
        if (all == !tags.isEmpty()) {
            throw new ParameterException(spec.commandLine(), all ? "give TAGs or --all, not both" : "give TAGs or --all");
        }
        ObjectNode req = request(op());
        req.set("tags", array(tags));
        req.put("all", all);
        return callWithResults(req);
    }

    @Command(name = "start", description = "Start programs that are stopped, exited or failed.")
    static final class Start extends LifecycleCommand {
        @Inject
        Start(ObjectMapper json, CliEnvironment env) {
            super(json, env);
        }

        @Override
        String op() {
            return "start";
        }
    }

    @Command(name = "stop", description = "Stop programs gracefully: stop signal to the whole tree, KILL after the stop timeout.")
    static final class Stop extends LifecycleCommand {
        @Inject
        Stop(ObjectMapper json, CliEnvironment env) {
            super(json, env);
        }

        @Override
        String op() {
            return "stop";
        }
    }

    @Command(name = "restart", description = "Stop programs gracefully and start them again.")
    static final class Restart extends LifecycleCommand {
        @Inject
        Restart(ObjectMapper json, CliEnvironment env) {
            super(json, env);
        }

        @Override
        String op() {
            return "restart";
        }
    }
}
