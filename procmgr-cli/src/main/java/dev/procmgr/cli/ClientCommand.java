package dev.procmgr.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that talks to a running supervisor over its control socket. */
abstract class ClientCommand implements Callable<Integer> {

    /** A client command with the usual {@code -f/--file} and {@code --socket}. */
    abstract static class WithConfig extends ClientCommand {
        @Mixin
        ConfigOptions.Standard config;

        WithConfig(ObjectMapper json, CliEnvironment env) {
            super(json, env);
        }

        @Override
        ConfigOptions config() {
            return config;
        }
    }

    /** Hang protection for requests that stop processes (each stop is bounded by its stop timeout). */
    static final long LONG_TIMEOUT_MILLIS = 15 * 60_000;
    static final long SHORT_TIMEOUT_MILLIS = 60_000;

    @Spec
    CommandSpec spec;

    final ObjectMapper json;
    final CliEnvironment env;

    ClientCommand(ObjectMapper json, CliEnvironment env) {
        this.json = json;
        this.env = env;
    }

    /** The {@code -f/--file} and {@code --socket} mixin of the command. */
    abstract ConfigOptions config();

    ControlClient connect() {
        return ControlClient.connect(config().socket(env), json);
    }

    /** One request, one reply; an error reply becomes a {@link CliException}. */
    ObjectNode call(ObjectNode request, long timeoutMillis) {
        try (ControlClient c = connect()) {
            return c.call(request, timeoutMillis);
        }
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    ObjectNode request(String op) {
        return Protocol.request(json, op);
    }

    ArrayNode array(List<String> values) {
        ArrayNode a = json.createArrayNode();
        values.forEach(a::add);
        return a;
    }

    /**
     * Sends a request that returns per-program results, prints them one a line
     * ({@code tag: message}) and returns the exit code.
     */
    int callWithResults(ObjectNode request) {
        ObjectNode reply;
        try (ControlClient c = connect()) {
            c.send(request);
            reply = c.next(LONG_TIMEOUT_MILLIS);
        }
        if (reply == null) {
            throw new CliException(ExitCodes.FAILURE, "the supervisor closed the connection without answering");
        }
        for (JsonNode r : reply.path("results")) {
            (r.path("ok").asBoolean() ? out() : err()).println(r.path("tag").asText() + ": " + r.path("message").asText());
        }
        out().flush();
        ControlClient.check(reply);
        return ExitCodes.OK;
    }
}
