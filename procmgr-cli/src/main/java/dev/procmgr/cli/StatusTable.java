package dev.procmgr.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code status} table, as supervisorctl's: {@code TAG STATE PID UPTIME RESTARTS LAST EXIT COMMAND},
 * and its JSON form (one object per program, the same fields).
 */
final class StatusTable {
    static final List<String> HEADER = List.of("TAG", "STATE", "PID", "UPTIME", "RESTARTS", "LAST EXIT", "COMMAND");
    static final int MAX_COMMAND = 60;

    private StatusTable() {
    }

    static ObjectNode toJson(ObjectMapper json, Supervisor.Row r) {
        ObjectNode o = json.createObjectNode();
        o.put("tag", r.tag());
        o.put("state", r.state());
        if (r.pid().isPresent()) {
            o.put("pid", r.pid().getAsLong());
        } else {
            o.putNull("pid");
        }
        o.put("uptime_seconds", r.uptime().getSeconds());
        o.put("restarts", r.restarts());
        if (r.lastExit().isPresent()) {
            o.put("last_exit", r.lastExit().get());
        } else {
            o.putNull("last_exit");
        }
        if (r.started().isPresent()) {
            o.put("started_at", r.started().get().toString());
        } else {
            o.putNull("started_at");
        }
        r.command().forEach(o.putArray("command")::add);
        r.message().ifPresent(m -> o.put("message", m));
        return o;
    }

    /** The table for the JSON rows a supervisor sent. */
    static String format(JsonNode programs) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(HEADER);
        for (JsonNode p : programs) {
            List<String> cmd = new ArrayList<>();
            p.path("command").forEach(a -> cmd.add(a.asText()));
            String command = ProgramConfig.shellJoin(cmd);
            if (command.length() > MAX_COMMAND) {
                command = command.substring(0, MAX_COMMAND - 3) + "...";
            }
            boolean live = !p.path("pid").isNull() && p.has("pid");
            rows.add(List.of(
                    p.path("tag").asText(),
                    p.path("state").asText(),
                    live ? p.path("pid").asText() : "-",
                    live ? Durations.clock(java.time.Duration.ofSeconds(p.path("uptime_seconds").asLong())) : "-",
                    p.path("restarts").asText("0"),
                    p.path("last_exit").isNull() || !p.has("last_exit") ? "-" : p.path("last_exit").asText(),
                    command));
        }
        int[] width = new int[HEADER.size()];
        for (List<String> r : rows) {
            for (int i = 0; i < r.size(); i++) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (List<String> r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.size(); i++) {
                line.append(r.get(i));
                if (i < r.size() - 1) {
                    line.append(" ".repeat(width[i] - r.get(i).length() + 2));
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }
}
