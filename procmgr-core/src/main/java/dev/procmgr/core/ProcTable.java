package dev.procmgr.core;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A snapshot of every process's parent, group, session and state, read from {@code /proc} in one
 * pass (Linux). Unlike {@link ProcessHandle#descendants()} it also finds processes that left the
 * tree but stayed in the group or session, and it tells zombies (already dead, waiting to be
 * reaped) from live processes. Snapshots are shared through {@link Cache} so that stopping a
 * thousand processes at once scans {@code /proc} a few times, not a thousand.
 */
final class ProcTable {
    private static final Path PROC = Path.of("/proc");
    /** A stat line is 250-400 bytes (comm is at most 15 of them); longer ones are read whole. */
    private static final int STAT_BUFFER = 1024;

    /** One process. {@code startTicks} tells a pid from a later process that reused it. */
    record Proc(long pid, char state, long ppid, long pgrp, long session, long startTicks) {
        boolean zombie() {
            return state == 'Z' || state == 'X';
        }
    }

    private final Map<Long, Proc> procs;
    private Map<Long, java.util.List<Proc>> children; // built on first use
    private Map<Long, java.util.List<Proc>> byGroupOrSession;

    /** Where snapshots come from: {@link Cache} in production, a hand-made table in tests. */
    interface Source {
        /** A snapshot at most a few milliseconds old. */
        ProcTable get();

        /** A snapshot taken after this call began. */
        ProcTable fresh();

        /**
         * A snapshot whose scan began at or after {@code nanoTime} ({@link System#nanoTime()}):
         * the last one when it is that recent, however long ago that was, else a new one.
         */
        default ProcTable since(long nanoTime) {
            return fresh();
        }
    }

    ProcTable(Map<Long, Proc> procs) {
        this.procs = procs;
    }

    /** Whether /proc can be read here. */
    static boolean available() {
        return Files.isReadable(PROC.resolve("self/stat"));
    }

    static ProcTable scan() {
        Map<Long, Proc> m = new HashMap<>();
        byte[] buf = new byte[STAT_BUFFER];
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC)) {
            for (Path p : dir) {
                String name = p.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
                    continue;
                }
                read(p.resolve("stat"), buf).ifPresent(pr -> m.put(pr.pid(), pr));
            }
        } catch (IOException e) {
            // a partial table is still useful; the caller's other checks cover the rest
        }
        return new ProcTable(m);
    }

    /** The process with this pid, when it exists. */
    Optional<Proc> get(long pid) {
        return Optional.ofNullable(procs.get(pid));
    }

    Iterable<Proc> all() {
        return procs.values();
    }

    /** Direct children of a pid. */
    synchronized java.util.List<Proc> childrenOf(long pid) {
        if (children == null) {
            children = new HashMap<>();
            for (Proc p : procs.values()) {
                children.computeIfAbsent(p.ppid(), k -> new java.util.ArrayList<>()).add(p);
            }
        }
        return children.getOrDefault(pid, java.util.List.of());
    }

    /** Processes whose process group or session id is this id (each once). */
    synchronized java.util.List<Proc> inGroupOrSession(long id) {
        if (byGroupOrSession == null) {
            byGroupOrSession = new HashMap<>();
            for (Proc p : procs.values()) {
                byGroupOrSession.computeIfAbsent(p.pgrp(), k -> new java.util.ArrayList<>()).add(p);
                if (p.session() != p.pgrp()) {
                    byGroupOrSession.computeIfAbsent(p.session(), k -> new java.util.ArrayList<>()).add(p);
                }
            }
        }
        return byGroupOrSession.getOrDefault(id, java.util.List.of());
    }

    /** Reads /proc/PID/stat of one process. */
    static Optional<Proc> read(long pid) {
        return read(PROC.resolve(Long.toString(pid)).resolve("stat"), new byte[STAT_BUFFER]);
    }

    /**
     * One open, one read and one close per process, parsed in place: a scan reads every process
     * on the machine, and on a VM where a system call is dear (1,000 processes: 105 ms with
     * {@code readAllBytes} and {@code split}) that is most of what a stop of many costs.
     */
    private static Optional<Proc> read(Path stat, byte[] buf) {
        int n;
        try (java.nio.channels.SeekableByteChannel ch = Files.newByteChannel(stat)) {
            n = ch.read(java.nio.ByteBuffer.wrap(buf));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // gone between listing and reading, or unreadable
        }
        if (n <= 0) {
            return Optional.empty();
        }
        if (n == buf.length) {
            // a longer line than any seen: read it whole the slow way
            try {
                byte[] all = Files.readAllBytes(stat);
                return parse(all, all.length);
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        return parse(buf, n);
    }

    /** {@code pid (comm) state ppid pgrp session ... starttime(22) ...}; comm may hold spaces and parentheses. */
    static Optional<Proc> parse(byte[] b, int n) {
        int open = -1;
        int close = -1;
        for (int i = 0; i < n; i++) {
            if (b[i] == '(' && open < 0) {
                open = i;
            } else if (b[i] == ')') {
                close = i;
            }
        }
        if (open < 1 || close < 0 || close + 2 >= n) {
            return Optional.empty();
        }
        long pid = number(b, 0, open - 1);
        if (pid < 0) {
            return Optional.empty();
        }
        int i = close + 2; // field 3, the state
        char state = (char) b[i];
        long[] f = new long[20]; // fields 4..22 at f[1..19]
        int field = 0;
        int start = -1;
        for (; i <= n && field < 20; i++) {
            if (i == n || b[i] == ' ' || b[i] == '\n') {
                if (start >= 0 && field > 0) {
                    f[field] = number(b, start, i);
                }
                field++;
                start = i + 1;
            }
        }
        if (field < 20 || f[1] < 0 || f[2] < 0 || f[3] < 0 || f[19] < 0) {
            return Optional.empty();
        }
        return Optional.of(new Proc(pid, state, f[1], f[2], f[3], f[19]));
    }

    /** The decimal number in b[from, to), ignoring spaces around it; -1 when there is none. */
    private static long number(byte[] b, int from, int to) {
        long v = 0;
        boolean any = false;
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c >= '0' && c <= '9') {
                v = v * 10 + (c - '0');
                any = true;
            } else if (c == '-' && !any) {
                return -1; // tpgid is -1 without a terminal; none of the fields kept can be negative
            } else if (c != ' ') {
                return -1;
            }
        }
        return any ? v : -1;
    }

    /** Shares recent snapshots between concurrent stops. Thread-safe. */
    static final class Cache implements Source {
        private final long maxAgeNanos;
        private ProcTable last;
        private long lastStart;
        private long lastAt; // when the last scan ended; it took lastAt - lastStart

        /**
         * @param maxAgeNanos how long a snapshot is reused; longer when a scan itself takes
         *     longer (see {@link #get()})
         */
        Cache(long maxAgeNanos) {
            this.maxAgeNanos = maxAgeNanos;
        }

        /**
         * The last snapshot while it is younger than the configured age or than twice the time
         * the scan took, whichever is longer. A scan is not instantaneous either (its first
         * entry is as old as the scan is long), so this at most doubles that staleness; with a
         * fixed age shorter than a scan, a thousand stops polling together each found the
         * snapshot expired and scanned again (1,000 processes on a slow VM: a 105 ms scan per
         * 20 ms of stops). A stop's first look uses {@link #since} instead.
         */
        @Override
        public synchronized ProcTable get() {
            long now = System.nanoTime();
            if (last == null || now - lastAt > Math.max(maxAgeNanos, 2 * (lastAt - lastStart))) {
                take();
            }
            return last;
        }

        /** A snapshot taken after this call began (for decisions that must see the latest state). */
        @Override
        public synchronized ProcTable fresh() {
            take();
            return last;
        }

        @Override
        public synchronized ProcTable since(long nanoTime) {
            if (last == null || lastStart - nanoTime < 0) {
                take();
            }
            return last;
        }

        private void take() {
            lastStart = System.nanoTime();
            last = scan();
            lastAt = System.nanoTime();
        }
    }
}
