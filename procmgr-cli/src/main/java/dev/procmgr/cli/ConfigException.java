package dev.procmgr.cli;

/**
 * A configuration that cannot be used, with where it is wrong: {@code file:line: key: message}.
 * Its message is meant for the user as it is; no stack trace is ever shown for it.
 */
final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final String key;
    private final String problem;

    /**
     * @param source the file name (or "request" for a control request)
     * @param line 1-based line, or 0 when unknown
     * @param key the dotted key path ({@code programs.web.stop_timeout}), or empty
     * @param problem what is wrong and, when it helps, what would be right
     */
    ConfigException(String source, int line, String key, String problem) {
        super(format(source, line, key, problem));
        this.source = source;
        this.line = line;
        this.key = key;
        this.problem = problem;
    }

    private static String format(String source, int line, String key, String problem) {
        StringBuilder sb = new StringBuilder(source);
        if (line > 0) {
            sb.append(':').append(line);
        }
        sb.append(": ");
        if (key != null && !key.isEmpty()) {
            sb.append(key).append(": ");
        }
        return sb.append(problem).toString();
    }

    String source() {
        return source;
    }

    int line() {
        return line;
    }

    String key() {
        return key;
    }

    String problem() {
        return problem;
    }
}
