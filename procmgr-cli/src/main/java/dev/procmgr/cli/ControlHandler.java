package dev.procmgr.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.procmgr.api.ProcessOutput;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Turns control requests into {@link Supervisor} calls; see {@link Protocol}. */
final class ControlHandler implements ControlServer.Handler {

    /** Lines a {@code logs -f} client may fall behind before lines are dropped for it. */
    static final int FOLLOW_QUEUE = 10_000;
    /** How long a followed line waits for room in a slow client's queue before it is dropped (counted). */
    static final long FOLLOW_WAIT_MS = 1_000;

    private final Supervisor supervisor;
    private final ConfigLoader loader;
    private final ObjectMapper json;

    ControlHandler(Supervisor supervisor, ConfigLoader loader, ObjectMapper json) {
        this.supervisor = supervisor;
        this.loader = loader;
        this.json = json;
    }

    @Override
    public void handle(ObjectNode request, ControlServer.Session session) throws IOException {
        String op = request.path("op").asText("");
        try {
            switch (op) {
                case "ping" -> session.send(Protocol.ok(json).put("pid", ProcessHandle.current().pid())
                        .put("ready", supervisor.ready()).put("config", supervisor.configFile().toString()));
                case "status" -> session.send(status(request));
                case "start", "stop", "restart" -> session.send(lifecycle(op, request));
                case "add" -> session.send(add(request));
                case "remove" -> session.send(outcome(supervisor.remove(tag(request))));
                case "logs" -> logs(request, session);
                case "reload" -> session.send(reload());
                case "down" -> {
                    int n = supervisor.tags().size();
                    try {
                        supervisor.stopAll();
                        session.send(Protocol.ok(json).put("stopped", n));
                    } finally {
                        supervisor.close();
                    }
                }
                case "" -> session.error(ExitCodes.USAGE, "malformed request: no \"op\"");
                default -> session.error(ExitCodes.USAGE, "unknown op '" + op + "'");
            }
        } catch (CliException e) {
            session.error(e.exitCode(), e.getMessage());
        }
    }

    private ObjectNode status(ObjectNode request) {
        ArrayNode rows = json.createArrayNode();
        for (Supervisor.Row r : supervisor.status(tags(request))) {
            rows.add(StatusTable.toJson(json, r));
        }
        ObjectNode reply = Protocol.ok(json);
        reply.set("programs", rows);
        return reply;
    }

    private ObjectNode lifecycle(String op, ObjectNode request) {
        boolean all = request.path("all").asBoolean(false);
        List<String> tags = supervisor.resolve(tags(request), all);
        if (tags.isEmpty() && !all) {
            throw new CliException(ExitCodes.USAGE, "give tags or \"all\": true");
        }
        List<Supervisor.Outcome> outcomes = switch (op) {
            case "start" -> supervisor.start(tags);
            case "stop" -> supervisor.stop(tags);
            default -> supervisor.restart(tags);
        };
        return outcomes(outcomes);
    }

    private ObjectNode outcomes(List<Supervisor.Outcome> outcomes) {
        ArrayNode results = json.createArrayNode();
        int failed = 0;
        for (Supervisor.Outcome o : outcomes) {
            results.addObject().put("tag", o.tag()).put("ok", o.ok()).put("message", o.message());
            if (!o.ok()) {
                failed++;
            }
        }
        ObjectNode reply = failed == 0 ? Protocol.ok(json)
                : Protocol.error(json, ExitCodes.FAILURE, failed + " of " + outcomes.size() + " failed");
        reply.set("results", results);
        return reply;
    }

    private ObjectNode outcome(Supervisor.Outcome o) {
        return outcomes(List.of(o));
    }

    private ObjectNode add(ObjectNode request) {
        String tag = tag(request);
        JsonNode program = request.get("program");
        if (program == null || !program.isObject()) {
            throw new CliException(ExitCodes.USAGE, "add: \"program\" must be an object");
        }
        Path cwd;
        try {
            cwd = Path.of(request.path("cwd").asText(supervisor.configFile().toAbsolutePath().getParent().toString()));
        } catch (InvalidPathException e) {
            throw new CliException(ExitCodes.USAGE, "add: invalid cwd");
        }
        ProgramConfig config;
        try {
            config = loader.program(tag, json.writeValueAsString(program), cwd);
        } catch (ConfigException e) {
            throw new CliException(ExitCodes.USAGE, e.getMessage());
        } catch (IOException e) {
            throw new CliException(ExitCodes.USAGE, "add: " + e.getMessage());
        }
        return outcome(supervisor.add(tag, config));
    }

    private ObjectNode reload() {
        Supervisor.ReloadResult r = supervisor.reload();
        ObjectNode reply = Protocol.ok(json);
        reply.set("added", json.valueToTree(r.added()));
        reply.set("removed", json.valueToTree(r.removed()));
        reply.set("changed", json.valueToTree(r.changed()));
        reply.set("unchanged", json.valueToTree(r.unchanged()));
        return reply;
    }

    private void logs(ObjectNode request, ControlServer.Session session) throws IOException {
        String tag = tag(request);
        int n = request.path("n").asInt(100);
        if (n < 0) {
            throw new CliException(ExitCodes.USAGE, "logs: n is negative");
        }
        ProcessOutput.Stream stream = switch (request.path("stream").asText("stdout")) {
            case "stdout" -> ProcessOutput.Stream.STDOUT;
            case "stderr" -> ProcessOutput.Stream.STDERR;
            default -> throw new CliException(ExitCodes.USAGE, "logs: stream is stdout or stderr");
        };
        boolean follow = request.path("follow").asBoolean(false);
        if (!follow) {
            session.send(lines(supervisor.lines(tag, n, stream)));
            return;
        }
        BlockingQueue<String> queue = new ArrayBlockingQueue<>(FOLLOW_QUEUE);
        AtomicLong dropped = new AtomicLong();
        ProcessOutput.Subscription sub;
        try {
            // the last n lines come first through the listener, then the new ones: none twice
            sub = supervisor.follow(tag, n, (t, s, line) -> {
                try {
                    // on the subscription's own thread: waiting here for a slow client holds up no one
                    if (s == stream && !queue.offer(line, FOLLOW_WAIT_MS, TimeUnit.MILLISECONDS)) {
                        dropped.incrementAndGet();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        } catch (UnsupportedOperationException e) {
            throw new CliException(ExitCodes.FAILURE, "logs -f is not supported by this process manager");
        }
        try {
            session.send(lines(List.of()).put("following", true));
            List<String> batch = new ArrayList<>();
            long reported = 0;
            while (!session.serverClosed() && !supervisor.isClosed()) {
                String first = queue.poll(500, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (session.clientGone() || !supervisor.tags().contains(tag)) {
                        return;
                    }
                    continue;
                }
                batch.clear();
                batch.add(first);
                queue.drainTo(batch, 1000);
                for (String line : batch) {
                    session.send(json.createObjectNode().put("line", line));
                }
                long d = dropped.get() + sub.dropped();
                if (d != reported) {
                    session.send(json.createObjectNode().put("dropped", d - reported));
                    reported = d;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            session.end();
            sub.close();
        }
    }

    private ObjectNode lines(List<String> lines) {
        ObjectNode reply = Protocol.ok(json);
        ArrayNode a = reply.putArray("lines");
        lines.forEach(a::add);
        return reply;
    }

    private static String tag(ObjectNode request) {
        JsonNode t = request.get("tag");
        if (t == null || !t.isTextual() || t.asText().isEmpty()) {
            throw new CliException(ExitCodes.USAGE, "malformed request: \"tag\" must be a non-empty string");
        }
        return t.asText();
    }

    private static List<String> tags(ObjectNode request) {
        JsonNode t = request.get("tags");
        List<String> out = new ArrayList<>();
        if (t == null || t.isNull()) {
            return out;
        }
        if (!t.isArray()) {
            throw new CliException(ExitCodes.USAGE, "malformed request: \"tags\" must be an array of strings");
        }
        for (JsonNode n : t) {
            if (!n.isTextual()) {
                throw new CliException(ExitCodes.USAGE, "malformed request: \"tags\" must be an array of strings");
            }
            out.add(n.asText());
        }
        return out;
    }
}
