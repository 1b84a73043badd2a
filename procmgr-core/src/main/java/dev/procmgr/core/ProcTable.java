package dev.procmgr.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC)) {
            for (Path p : dir) {
                String name = p.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
                    continue;
                }
                read(p.resolve("stat")).ifPresent(pr -> m.put(pr.pid(), pr));
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
        return read(PROC.resolve(Long.toString(pid)).resolve("stat"));
    }

    private static Optional<Proc> read(Path stat) {
        try {
            String s = new String(Files.readAllBytes(stat), StandardCharsets.ISO_8859_1);
            int close = s.lastIndexOf(')');
            int open = s.indexOf('(');
            if (close < 0 || open < 0) {
                return Optional.empty();
            }
            long pid = Long.parseLong(s.substring(0, open).trim());
            String[] f = s.substring(close + 2).split(" ");
            // f[0]=state(3) f[1]=ppid(4) f[2]=pgrp(5) f[3]=session(6) ... f[19]=starttime(22)
            return Optional.of(new Proc(pid, f[0].charAt(0), Long.parseLong(f[1]), Long.parseLong(f[2]),
                    Long.parseLong(f[3]), Long.parseLong(f[19])));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // gone between listing and reading, or unreadable
        }
    }

    /** Shares recent snapshots between concurrent stops. Thread-safe. */
    static final class Cache implements Source {
        private final long maxAgeNanos;
        private ProcTable last;
        private long lastAt;

        Cache(long maxAgeNanos) {
            this.maxAgeNanos = maxAgeNanos;
        }

        @Override
        public synchronized ProcTable get() {
            long now = System.nanoTime();
            if (last == null || now - lastAt > maxAgeNanos) {
                last = scan();
                lastAt = System.nanoTime();
            }
            return last;
        }

        /** A snapshot taken after this call began (for decisions that must see the latest state). */
        @Override
        public synchronized ProcTable fresh() {
            last = scan();
            lastAt = System.nanoTime();
            return last;
        }
    }
}
