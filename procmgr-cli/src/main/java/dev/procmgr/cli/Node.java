package dev.procmgr.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML or JSON document as a tree that remembers the line of every value and key, so that
 * every configuration error can name its line. Built from any Jackson parser.
 */
sealed interface Node permits Node.Scalar, Node.Mapping, Node.Sequence, Node.Null {

    /** 1-based line where the value starts (0 when unknown). */
    int line();

    /** A scalar: string, number or boolean, with the token the parser saw and its text. */
    record Scalar(int line, JsonToken token, String text) implements Node {
        boolean isString() {
            return token == JsonToken.VALUE_STRING;
        }
    }

    /** A key of a mapping with the line it is on. */
    record Entry(String key, int keyLine, Node value) {
    }

    /** A mapping, in document order. */
    record Mapping(int line, Map<String, Entry> entries) implements Node {
        public Mapping {
            entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }
    }

    /** A sequence. */
    record Sequence(int line, List<Node> items) implements Node {
        public Sequence {
            items = List.copyOf(items);
        }
    }

    /** An empty value ({@code key:} with nothing after it, or {@code null}). */
    record Null(int line) implements Node {
    }

    /** How the user would name this kind of value in an error message. */
    static String describe(Node n) {
        if (n instanceof Mapping) {
            return "a mapping";
        }
        if (n instanceof Sequence) {
            return "a list";
        }
        if (n instanceof Null) {
            return "nothing";
        }
        Scalar s = (Scalar) n;
        return switch (s.token()) {
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + s.text();
            case VALUE_TRUE, VALUE_FALSE -> "the boolean " + s.text();
            default -> "the string '" + s.text() + "'";
        };
    }

    /**
     * Reads one document.
     *
     * @param source the name used in error messages
     * @throws ConfigException for syntax errors and duplicate keys
     */
    static Node read(JsonParser p, String source) throws ConfigException {
        try {
            JsonToken t = p.nextToken();
            if (t == null) {
                return new Null(1);
            }
            return readValue(p, source, "");
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new ConfigException(source, line, "", "syntax error: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (IOException e) {
            throw new ConfigException(source, 0, "", "cannot read: " + e.getMessage());
        }
    }

    private static Node readValue(JsonParser p, String source, String path) throws IOException, ConfigException {
        int line = p.currentTokenLocation().getLineNr();
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT: {
                Map<String, Entry> entries = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    int keyLine = p.currentTokenLocation().getLineNr();
                    String keyPath = path.isEmpty() ? key : path + "." + key;
                    if (entries.containsKey(key)) {
                        throw new ConfigException(source, keyLine, keyPath, "duplicate key (first given on line "
                                + entries.get(key).keyLine() + ")");
                    }
                    p.nextToken();
                    entries.put(key, new Entry(key, keyLine, readValue(p, source, keyPath)));
                }
                return new Mapping(line, entries);
            }
            case START_ARRAY: {
                List<Node> items = new ArrayList<>();
                int i = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(readValue(p, source, path + "[" + i++ + "]"));
                }
                return new Sequence(line, items);
            }
            case VALUE_NULL:
                return new Null(line);
            case VALUE_STRING:
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
            case VALUE_TRUE:
            case VALUE_FALSE:
                return new Scalar(line, t, p.getText());
            default:
                throw new ConfigException(source, line, path, "unsupported value (" + t + ")");
        }
    }
}
