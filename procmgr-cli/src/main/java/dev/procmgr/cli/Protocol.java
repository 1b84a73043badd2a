package dev.procmgr.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The control protocol: one JSON object per line each way.
 *
 * <p>Requests carry {@code "op"}: {@code ping}, {@code status} ({@code tags}), {@code start},
 * {@code stop}, {@code restart} ({@code tags} or {@code "all":true}), {@code add} ({@code tag},
 * {@code program}: the keys of a config file entry, {@code cwd}), {@code remove} ({@code tag}),
 * {@code logs} ({@code tag}, {@code n}, {@code stream}: stdout|stderr, {@code follow}),
 * {@code reload}, {@code down}.
 *
 * <p>Every reply has {@code "ok"}; a failed one has {@code "code"} (the exit code the client
 * exits with: 1 failure, 2 bad request, 3 unknown tag) and {@code "error"}. A following
 * {@code logs} reply is followed by {@code {"line":..., "stream":...}} lines until the client
 * hangs up or the supervisor ends.
 */
final class Protocol {
    private Protocol() {
    }

    static ObjectNode ok(ObjectMapper json) {
        return json.createObjectNode().put("ok", true);
    }

    static ObjectNode error(ObjectMapper json, int code, String message) {
        return json.createObjectNode().put("ok", false).put("code", code).put("error", message);
    }

    static ObjectNode request(ObjectMapper json, String op) {
        return json.createObjectNode().put("op", op);
    }
}
