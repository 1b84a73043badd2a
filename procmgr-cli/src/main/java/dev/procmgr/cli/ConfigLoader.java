package dev.procmgr.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.procmgr.api.InvalidTagException;
import dev.procmgr.api.RestartPolicy;
import dev.procmgr.api.Signal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code procmgr.yaml}:
 *
 * <pre>
 * programs:
 *   web:
 *     command: [python3, -m, http.server, "8080"]
 *     directory: site            # relative to this file; default: this file's directory
 *     env: {PORT: "8080"}
 *     restart: on-failure        # never (default) | on-failure | always
 *     max_restarts: 5
 *     backoff: 1s                # or {initial: 1s, max: 60s}
 *     start_seconds: 1s
 *     stop_signal: TERM
 *     stop_timeout: 10s
 *     output: {capture: 1000, file: logs/web.log, max_size: 10MB, keep: 5}
 *     autostart: true
 * </pre>
 *
 * Every error names the file, the line and the key. Thread-safe.
 */
final class ConfigLoader {

    static final Set<String> PROGRAM_KEYS = Set.of("command", "directory", "env", "restart", "max_restarts", "backoff",
            "start_seconds", "stop_signal", "stop_timeout", "output", "autostart");
    private static final Set<String> OUTPUT_KEYS = Set.of("capture", "file", "max_size", "keep");
    private static final Set<String> BACKOFF_KEYS = Set.of("initial", "max");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9._:@-]{1," + InvalidTagException.MAX_LENGTH + "}");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final YAMLFactory yaml = new YAMLFactory();
    private final JsonFactory json = new JsonFactory();

    /** The programs of a config file, in file order. */
    Map<String, ProgramConfig> load(Path file) throws ConfigException {
        String source = file.toString();
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(source, 0, "", "no such file");
        } catch (IOException e) {
            throw new ConfigException(source, 0, "", "cannot read: " + e.getMessage());
        }
        Node root;
        try (JsonParser p = yaml.createParser(text)) {
            root = Node.read(p, source);
        } catch (IOException e) {
            throw new ConfigException(source, 0, "", "cannot read: " + e.getMessage());
        }
        Path base = file.toAbsolutePath().normalize().getParent();
        return new Binder(source, base).root(root);
    }

    /**
     * One program from a JSON object (an {@code add} request), with the same keys as the file.
     *
     * @param base the directory relative paths are resolved against
     */
    ProgramConfig program(String tag, String jsonObject, Path base) throws ConfigException {
        Node node;
        try (JsonParser p = json.createParser(jsonObject)) {
            node = Node.read(p, "request");
        } catch (IOException e) {
            throw new ConfigException("request", 0, "", "cannot read: " + e.getMessage());
        }
        Binder b = new Binder("request", base);
        b.checkTag(tag, 0, "tag");
        return b.program(node, "program");
    }

    /** Checks a tag the way {@code ProcessManager.create} would. */
    static boolean validTag(String tag) {
        return TAG.matcher(tag).matches();
    }

    private static final class Binder {
        private final String source;
        private final Path base;

        Binder(String source, Path base) {
            this.source = source;
            this.base = base;
        }

        Map<String, ProgramConfig> root(Node root) throws ConfigException {
            if (root instanceof Node.Null) {
                throw error(root.line(), "", "the file is empty; expected a 'programs:' mapping");
            }
            Node.Mapping top = mapping(root, "(top level)");
            checkKeys(top, "", Set.of("programs"));
            Node.Entry programs = top.entries().get("programs");
            if (programs == null) {
                throw error(top.line(), "programs", "missing; expected a 'programs:' mapping of tag to program");
            }
            Node.Mapping pm = mapping(programs.value(), "programs");
            Map<String, ProgramConfig> result = new LinkedHashMap<>();
            for (Node.Entry e : pm.entries().values()) {
                String path = "programs." + e.key();
                checkTag(e.key(), e.keyLine(), path);
                result.put(e.key(), program(e.value(), path));
            }
            return result;
        }

        void checkTag(String tag, int line, String path) throws ConfigException {
            if (!validTag(tag)) {
                throw error(line, path, "invalid tag '" + tag + "': use 1-" + InvalidTagException.MAX_LENGTH
                        + " characters of A-Z a-z 0-9 . _ : @ -");
            }
        }

        ProgramConfig program(Node node, String path) throws ConfigException {
            Node.Mapping m = mapping(node, path);
            checkKeys(m, path, PROGRAM_KEYS);
            Map<String, Node.Entry> e = m.entries();
            Node.Entry cmd = e.get("command");
            if (cmd == null) {
                throw error(m.line(), path + ".command", "missing; give the program as a list, e.g. [sleep, \"60\"]");
            }
            List<String> command = command(cmd.value(), path + ".command");
            Path directory = e.containsKey("directory") ? path(e.get("directory").value(), path + ".directory") : base;
            Map<String, String> env = new LinkedHashMap<>();
            if (e.containsKey("env")) {
                Node.Mapping em = mapping(e.get("env").value(), path + ".env");
                for (Node.Entry v : em.entries().values()) {
                    String key = path + ".env." + v.key();
                    if (!ENV_NAME.matcher(v.key()).matches()) {
                        throw error(v.keyLine(), key, "invalid environment variable name");
                    }
                    env.put(v.key(), scalarText(v.value(), key));
                }
            }
            RestartPolicy.Mode restart = RestartPolicy.Mode.NEVER;
            if (e.containsKey("restart")) {
                Node n = e.get("restart").value();
                String s = scalarText(n, path + ".restart").toLowerCase(Locale.ROOT).replace('_', '-');
                restart = switch (s) {
                    case "never", "no", "false" -> RestartPolicy.Mode.NEVER;
                    case "on-failure" -> RestartPolicy.Mode.ON_FAILURE;
                    case "always", "true" -> RestartPolicy.Mode.ALWAYS;
                    default -> throw error(n.line(), path + ".restart", "invalid value '" + s
                            + "'; one of never, on-failure, always");
                };
            }
            int maxRestarts = e.containsKey("max_restarts")
                    ? integer(e.get("max_restarts").value(), path + ".max_restarts", 0, 1_000_000)
                    : ProgramConfig.DEFAULT_MAX_RESTARTS;
            Duration backoff = ProgramConfig.DEFAULT_BACKOFF;
            Duration maxBackoff = ProgramConfig.DEFAULT_MAX_BACKOFF;
            if (e.containsKey("backoff")) {
                Node n = e.get("backoff").value();
                String key = path + ".backoff";
                if (n instanceof Node.Mapping bm) {
                    checkKeys(bm, key, BACKOFF_KEYS);
                    if (bm.entries().containsKey("initial")) {
                        backoff = duration(bm.entries().get("initial").value(), key + ".initial");
                    }
                    if (bm.entries().containsKey("max")) {
                        maxBackoff = duration(bm.entries().get("max").value(), key + ".max");
                        if (maxBackoff.compareTo(backoff) < 0) {
                            throw error(bm.entries().get("max").value().line(), key + ".max",
                                    "is less than backoff.initial (" + Durations.format(backoff) + ")");
                        }
                    }
                } else {
                    backoff = duration(n, key);
                }
                if (maxBackoff.compareTo(backoff) < 0) {
                    maxBackoff = backoff;
                }
            }
            Duration startSeconds = e.containsKey("start_seconds")
                    ? duration(e.get("start_seconds").value(), path + ".start_seconds")
                    : dev.procmgr.api.ProcessSpec.DEFAULT_START_SECONDS;
            Signal stopSignal = Signal.TERM;
            if (e.containsKey("stop_signal")) {
                Node n = e.get("stop_signal").value();
                try {
                    stopSignal = Signal.parse(scalarText(n, path + ".stop_signal"));
                } catch (IllegalArgumentException ex) {
                    throw error(n.line(), path + ".stop_signal", ex.getMessage());
                }
            }
            Duration stopTimeout = e.containsKey("stop_timeout")
                    ? duration(e.get("stop_timeout").value(), path + ".stop_timeout")
                    : ProgramConfig.DEFAULT_STOP_TIMEOUT;
            ProgramConfig.Output output = e.containsKey("output")
                    ? output(e.get("output").value(), path + ".output")
                    : ProgramConfig.Output.defaults();
            boolean autostart = !e.containsKey("autostart") || bool(e.get("autostart").value(), path + ".autostart");
            return new ProgramConfig(command, directory, env, restart, maxRestarts, backoff, maxBackoff, startSeconds,
                    stopSignal, stopTimeout, output, autostart);
        }

        private ProgramConfig.Output output(Node n, String path) throws ConfigException {
            ProgramConfig.Output d = ProgramConfig.Output.defaults();
            if (n instanceof Node.Scalar s && s.isString() && s.text().equals("capture")) {
                return d;
            }
            Node.Mapping m = mapping(n, path);
            checkKeys(m, path, OUTPUT_KEYS);
            Map<String, Node.Entry> e = m.entries();
            int capture = e.containsKey("capture")
                    ? integer(e.get("capture").value(), path + ".capture", 1, 1_000_000) : d.captureLines();
            Optional<Path> file = e.containsKey("file")
                    ? Optional.of(path(e.get("file").value(), path + ".file")) : Optional.empty();
            long maxSize = d.maxSize();
            if (e.containsKey("max_size")) {
                Node v = e.get("max_size").value();
                try {
                    maxSize = v instanceof Node.Scalar s && s.token() == JsonToken.VALUE_NUMBER_INT
                            ? Long.parseLong(s.text()) : Durations.parseSize(scalarText(v, path + ".max_size"));
                } catch (IllegalArgumentException ex) {
                    throw error(v.line(), path + ".max_size", ex.getMessage());
                }
            }
            int keep = e.containsKey("keep") ? integer(e.get("keep").value(), path + ".keep", 0, 1000) : d.keep();
            if (file.isEmpty() && (e.containsKey("max_size") || e.containsKey("keep"))) {
                String k = e.containsKey("max_size") ? "max_size" : "keep";
                throw error(e.get(k).keyLine(), path + "." + k, "only applies with 'file'");
            }
            return new ProgramConfig.Output(capture, file, maxSize, keep);
        }

        private List<String> command(Node n, String path) throws ConfigException {
            if (n instanceof Node.Scalar s && s.isString()) {
                throw error(n.line(), path, "must be a list (argv), not a string; for a shell line write [sh, -c, \""
                        + s.text().replace("\"", "\\\"") + "\"]");
            }
            if (!(n instanceof Node.Sequence seq)) {
                throw error(n.line(), path, "must be a list such as [sleep, \"60\"], not " + Node.describe(n));
            }
            if (seq.items().isEmpty()) {
                throw error(n.line(), path, "is empty; give at least the program to run");
            }
            List<String> argv = new ArrayList<>();
            for (int i = 0; i < seq.items().size(); i++) {
                String a = scalarText(seq.items().get(i), path + "[" + i + "]");
                if (a.indexOf('\0') >= 0) {
                    throw error(seq.items().get(i).line(), path + "[" + i + "]", "contains a NUL byte");
                }
                argv.add(a);
            }
            if (argv.get(0).isEmpty()) {
                throw error(seq.line(), path + "[0]", "the program is empty");
            }
            return argv;
        }

        private Path path(Node n, String key) throws ConfigException {
            String s = scalarText(n, key);
            if (s.isEmpty()) {
                throw error(n.line(), key, "is empty");
            }
            try {
                return base.resolve(s).normalize();
            } catch (InvalidPathException e) {
                throw error(n.line(), key, "invalid path '" + s + "'");
            }
        }

        private Duration duration(Node n, String key) throws ConfigException {
            if (!(n instanceof Node.Scalar s) || s.token() == JsonToken.VALUE_TRUE || s.token() == JsonToken.VALUE_FALSE) {
                throw error(n.line(), key, "expected a duration such as 500ms, 10s or 2m, not " + Node.describe(n));
            }
            try {
                return Durations.parse(s.text());
            } catch (IllegalArgumentException e) {
                throw error(n.line(), key, e.getMessage());
            }
        }

        private int integer(Node n, String key, int min, int max) throws ConfigException {
            if (!(n instanceof Node.Scalar s) || s.token() != JsonToken.VALUE_NUMBER_INT) {
                throw error(n.line(), key, "expected a whole number, not " + Node.describe(n));
            }
            long v;
            try {
                v = Long.parseLong(s.text());
            } catch (NumberFormatException e) {
                throw error(n.line(), key, "number out of range: " + s.text());
            }
            if (v < min || v > max) {
                throw error(n.line(), key, "must be between " + min + " and " + max + ", not " + v);
            }
            return (int) v;
        }

        private boolean bool(Node n, String key) throws ConfigException {
            if (n instanceof Node.Scalar s && (s.token() == JsonToken.VALUE_TRUE || s.token() == JsonToken.VALUE_FALSE)) {
                return s.token() == JsonToken.VALUE_TRUE;
            }
            throw error(n.line(), key, "expected true or false, not " + Node.describe(n));
        }

        private String scalarText(Node n, String key) throws ConfigException {
            if (n instanceof Node.Scalar s) {
                return s.text();
            }
            throw error(n.line(), key, "expected a single value, not " + Node.describe(n));
        }

        private Node.Mapping mapping(Node n, String key) throws ConfigException {
            if (n instanceof Node.Mapping m) {
                return m;
            }
            throw error(n.line(), key, "expected a mapping (key: value lines), not " + Node.describe(n));
        }

        private void checkKeys(Node.Mapping m, String path, Set<String> allowed) throws ConfigException {
            for (Node.Entry e : m.entries().values()) {
                if (!allowed.contains(e.key())) {
                    String key = path.isEmpty() ? e.key() : path + "." + e.key();
                    throw error(e.keyLine(), key, "unknown key; expected one of " + String.join(", ", allowed.stream().sorted().toList()));
                }
            }
        }

        private ConfigException error(int line, String key, String problem) {
            return new ConfigException(source, line, key, problem);
        }
    }
}
