package dev.procmgr.api;

import java.util.Locale;
import java.util.Optional;

/**
 * The POSIX signals procmgr sends. Numbers are those of the running OS (Linux or macOS/BSD).
 */
public enum Signal {
    HUP(1, 1),
    INT(2, 2),
    QUIT(3, 3),
    KILL(9, 9),
    USR1(10, 30),
    USR2(12, 31),
    TERM(15, 15);

    private static final boolean BSD = isBsdLike();

    private final int linux;
    private final int bsd;

    Signal(int linux, int bsd) {
        this.linux = linux;
        this.bsd = bsd;
    }

    /** The signal's number on this OS. */
    public int number() {
        return BSD ? bsd : linux;
    }

    /** The signal with this number on this OS, if procmgr names it. */
    public static Optional<Signal> ofNumber(int number) {
        for (Signal s : values()) {
            if (s.number() == number) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /**
     * Parses {@code TERM}, {@code SIGTERM} or {@code term}.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Signal parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        if (n.startsWith("SIG")) {
            n = n.substring(3);
        }
        for (Signal s : values()) {
            if (s.name().equals(n)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown signal '" + name + "'; one of HUP, INT, QUIT, KILL, USR1, USR2, TERM");
    }

    private static boolean isBsdLike() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        return os.contains("mac") || os.contains("bsd") || os.contains("darwin");
    }
}
