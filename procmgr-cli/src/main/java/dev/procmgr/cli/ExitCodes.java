package dev.procmgr.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/** The exit codes of every procmgr command, as {@code --help} lists them. */
final class ExitCodes {
    static final int OK = 0;
    static final int FAILURE = 1;
    static final int USAGE = 2;
    static final int UNKNOWN_TAG = 3;
    static final int NO_SUPERVISOR = 4;

    private ExitCodes() {
    }

    /** For picocli's exit code list in the help. */
    static Map<String, String> help() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(" 0", "ok");
        m.put(" 1", "failure (a program could not start or stop, invalid config file, ...)");
        m.put(" 2", "usage error (unknown option, bad value)");
        m.put(" 3", "unknown tag");
        m.put(" 4", "no supervisor running (no socket, or nobody listening on it)");
        return m;
    }
}
