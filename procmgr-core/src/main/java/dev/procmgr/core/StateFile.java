package dev.procmgr.core;

import dev.procmgr.api.Signal;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file listing the live processes of one supervisor, so that its next start can kill what a
 * crashed predecessor left (the guardian covers a killed JVM while the machine runs; the state
 * file also covers a guardian that was killed with it, e.g. by {@code kill -9 -- -pgid} or the
 * OOM killer).
 *
 * <p>One line per process: pid, pgid ({@code -} when it does not lead its group), start time
 * (field 22 of {@code /proc/<pid>/stat}, clock ticks since boot), boot id
 * ({@code /proc/sys/kernel/random/boot_id}), tag and argv, tab-separated, with {@code \\},
 * {@code \t}, {@code \n}, {@code \r} escaped. The file is rewritten whole on every change (temp
 * file, then an atomic rename), so a reader sees the old or the new list, never half of one. It is
 * not synced to disk: after a crash of the machine the boot id differs and nothing is swept anyway.
 *
 * <p>An exclusive lock on {@code <file>.lock}, held while the instance is open and released by the
 * kernel however the process dies, keeps a second live supervisor from sweeping (killing) the
 * processes of the first.
 *
 * <p>Thread-safe; {@link #launched}/{@link #released} never throw (a failing write is logged once
 * until a write succeeds again).
 */
final class StateFile implements LaunchTracker {
    private static final Logger LOG = LoggerFactory.getLogger(StateFile.class);
    private static final String HEADER = "# procmgr state file v1: pid, pgid, start time (/proc/<pid>/stat field 22), "
            + "boot id, tag, argv; tab-separated, \\\\ \\t \\n \\r escaped";
    private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");
    private static final String UNKNOWN = "-";

    /** Grace between TERM and KILL when sweeping, unless given. */
    static final Duration DEFAULT_SWEEP_GRACE = Duration.ofSeconds(2);

    /** One process as recorded. {@code startTime} -1 and {@code bootId} "-" when unknown (no /proc). */
    record Entry(String tag, long pid, OptionalLong pgid, long startTime, String bootId, List<String> command) {
        Entry {
            Objects.requireNonNull(tag, "tag is null");
            Objects.requireNonNull(pgid, "pgid is null");
            Objects.requireNonNull(bootId, "bootId is null");
            command = List.copyOf(command);
        }
    }

    /** An entry the sweep left alone, and why. */
    record Skipped(Entry entry, String reason) {
        Skipped {
            Objects.requireNonNull(entry, "entry is null");
            Objects.requireNonNull(reason, "reason is null");
        }
    }

    /** What a sweep killed (TERM, then KILL after the grace if needed) and what it skipped. */
    record SweepResult(List<Entry> killed, List<Skipped> skipped) {
        SweepResult {
            killed = List.copyOf(killed);
            skipped = List.copyOf(skipped);
        }

        static SweepResult empty() {
            return new SweepResult(List.of(), List.of());
        }
    }

    private final Path path;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final SweepResult sweepResult;
    private final String bootId;
    private final Map<Long, Entry> entries = new LinkedHashMap<>(); // guarded by this
    /** Launches not yet released, per pid (2 while a reused pid's release is pending). */
    private final Map<Long, Integer> registrations = new HashMap<>(); // guarded by this
    private boolean closed; // guarded by this
    private boolean failing; // guarded by this

    private StateFile(Path path, FileChannel lockChannel, FileLock lock, SweepResult sweepResult) {
        this.path = path;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.sweepResult = sweepResult;
        this.bootId = bootId().orElse(UNKNOWN);
    }

    /** {@link #open(Path, Duration)} with {@link #DEFAULT_SWEEP_GRACE}. */
    static StateFile open(Path path) {
        return open(path, DEFAULT_SWEEP_GRACE);
    }

    /**
     * Takes the state file over: locks it, sweeps what a crashed predecessor left (see
     * {@link #sweep(Path, Duration)}; the result is in {@link #sweepResult()}), and starts an empty
     * list. Blocks for the sweep (up to {@code sweepGrace} plus a little when something is killed).
     *
     * @throws IllegalStateException when another live process holds the file
     * @throws java.io.UncheckedIOException when the file or its directory cannot be written
     */
    static StateFile open(Path path, Duration sweepGrace) {
        Objects.requireNonNull(path, "path is null");
        Objects.requireNonNull(sweepGrace, "sweepGrace is null");
        Path abs = path.toAbsolutePath();
        Locked locked = lock(abs);
        try {
            SweepResult r = sweepLocked(abs, sweepGrace);
            StateFile f = new StateFile(abs, locked.channel(), locked.lock(), r);
            synchronized (f) {
                f.write();
            }
            return f;
        } catch (IOException e) {
            locked.release();
            throw new java.io.UncheckedIOException("cannot write state file " + abs, e);
        } catch (RuntimeException | Error e) {
            locked.release();
            throw e;
        }
    }

    /** {@link #sweep(Path, Duration)} with {@link #DEFAULT_SWEEP_GRACE}. */
    static SweepResult sweep(Path path) {
        return sweep(path, DEFAULT_SWEEP_GRACE);
    }

    /**
     * Kills what a crashed predecessor recorded in the file, then empties it. An entry is killed
     * only when its boot id, its start time and its command (as {@code /proc/<pid>/cmdline} shows
     * it, allowing a {@code setsid} prefix and a script's interpreter) all match the live process:
     * its group when it led one, else its pid, and its descendants that left the group. TERM, up to
     * {@code grace} for them to go, then KILL. On a system without {@code /proc} nothing is killed
     * (every entry is reported skipped, with a log line). A missing file is an empty one.
     *
     * @throws IllegalStateException when a live process holds the file (its supervisor runs)
     * @throws java.io.UncheckedIOException when the file cannot be emptied
     */
    static SweepResult sweep(Path path, Duration grace) {
        Objects.requireNonNull(path, "path is null");
        Objects.requireNonNull(grace, "grace is null");
        Path abs = path.toAbsolutePath();
        Locked locked = lock(abs);
        try {
            return sweepLocked(abs, grace);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot empty state file " + abs, e);
        } finally {
            locked.release();
        }
    }

    /** What the sweep at {@link #open} found. */
    SweepResult sweepResult() {
        return sweepResult;
    }

    /** The file's path. */
    Path path() {
        return path;
    }

    @Override
    public void launched(String tag, long pid, boolean groupLeader, List<String> command) {
        Optional<ProcTable.Proc> proc = ProcTable.available() ? ProcTable.read(pid) : Optional.empty();
        if (ProcTable.available() && (proc.isEmpty() || proc.get().zombie())) {
            LOG.debug("'{}' pid {} already gone; not recorded in {}", tag, pid, path);
            return;
        }
        long start = proc.map(ProcTable.Proc::startTicks).orElse(-1L);
        Entry e = new Entry(tag, pid, groupLeader ? OptionalLong.of(pid) : OptionalLong.empty(), start, bootId, command);
        synchronized (this) {
            if (closed) {
                return;
            }
            entries.put(pid, e); // a reused pid: the later process replaces the record
            registrations.merge(pid, 1, Integer::sum);
            rewrite();
        }
    }

    /**
     * Drops the pid's record, unless a later launch got the same pid and is still registered
     * (its record replaced the released one's).
     */
    @Override
    public void released(long pid) {
        synchronized (this) {
            Integer n = registrations.get(pid);
            if (closed || n == null) {
                return;
            }
            if (n > 1) {
                registrations.put(pid, n - 1);
                return;
            }
            registrations.remove(pid);
            if (entries.remove(pid) != null) {
                rewrite();
            }
        }
    }

    /** Empties the file and releases the lock. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            entries.clear();
            registrations.clear();
            rewrite();
        }
        new Locked(lockChannel, lock).release();
    }

    /** Test hook: lets go of the lock and leaves the file as it is, as a crash would. */
    void abandon() {
        synchronized (this) {
            closed = true;
        }
        new Locked(lockChannel, lock).release();
    }

    private void rewrite() {
        try {
            write();
            if (failing) {
                failing = false;
                LOG.info("state file {} written again", path);
            }
        } catch (IOException | RuntimeException e) {
            if (!failing) {
                failing = true;
                LOG.warn("cannot write state file {}: {}; a crash now may leave processes the next start cannot "
                        + "sweep", path, e.toString());
            }
        }
    }

    private void write() throws IOException {
        writeEntries(path, new ArrayList<>(entries.values()));
    }

    /** Writes the file whole: temp file, then an atomic rename. */
    static void writeEntries(Path file, List<Entry> list) throws IOException {
        StringBuilder sb = new StringBuilder(128 + 128 * list.size());
        sb.append(HEADER).append('\n');
        for (Entry e : list) {
            sb.append(e.pid()).append('\t')
                    .append(e.pgid().isPresent() ? Long.toString(e.pgid().getAsLong()) : UNKNOWN).append('\t')
                    .append(e.startTime() < 0 ? UNKNOWN : Long.toString(e.startTime())).append('\t')
                    .append(escape(e.bootId())).append('\t')
                    .append(escape(e.tag()));
            for (String arg : e.command()) {
                sb.append('\t').append(escape(arg));
            }
            sb.append('\n');
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, sb.toString().getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Reads the file; a missing file is empty; malformed lines are logged and left out. */
    static List<Entry> readEntries(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>(lines.size());
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            try {
                if (f.length < 6) {
                    throw new IllegalArgumentException("too few fields");
                }
                long pid = Long.parseLong(f[0]);
                OptionalLong pgid = f[1].equals(UNKNOWN) ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(f[1]));
                long start = f[2].equals(UNKNOWN) ? -1 : Long.parseLong(f[2]);
                List<String> cmd = new ArrayList<>(f.length - 5);
                for (int i = 5; i < f.length; i++) {
                    cmd.add(unescape(f[i]));
                }
                out.add(new Entry(unescape(f[4]), pid, pgid, start, unescape(f[3]), cmd));
            } catch (IllegalArgumentException e) {
                LOG.warn("state file {}: ignoring malformed line ({}): {}", file, e.getMessage(), line);
            }
        }
        return out;
    }

    private static SweepResult sweepLocked(Path file, Duration grace) throws IOException {
        List<Entry> list = readEntries(file);
        if (list.isEmpty()) {
            writeEntries(file, List.of());
            return SweepResult.empty();
        }
        List<Entry> kill = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        if (!ProcTable.available()) {
            LOG.info("state file {}: {} processes left by a previous run not swept: no /proc on this system", file,
                    list.size());
            for (Entry e : list) {
                skipped.add(new Skipped(e, "no /proc on this system"));
            }
        } else {
            String boot = bootId().orElse(UNKNOWN);
            for (Entry e : list) {
                Optional<String> reason = mismatch(e, boot);
                if (reason.isPresent()) {
                    skipped.add(new Skipped(e, reason.get()));
                    LOG.info("state file {}: leaving '{}' pid {} alone: {}", file, e.tag(), e.pid(), reason.get());
                } else {
                    kill.add(e);
                }
            }
            if (!kill.isEmpty()) {
                for (Entry e : kill) {
                    LOG.warn("state file {}: killing '{}' pid {} ({}) left by a previous run: {}", file, e.tag(), e.pid(),
                            e.pgid().isPresent() ? "its process group" : "the process", e.command());
                }
                killAll(kill, grace);
            }
        }
        writeEntries(file, List.of());
        return new SweepResult(kill, skipped);
    }

    /** Why this entry is not the live process it names, or empty when it is. */
    private static Optional<String> mismatch(Entry e, String boot) {
        if (e.bootId().equals(UNKNOWN) || e.startTime() < 0) {
            return Optional.of("recorded without a boot id or start time");
        }
        if (!e.bootId().equals(boot)) {
            return Optional.of("recorded in another boot (" + e.bootId() + ")");
        }
        Optional<ProcTable.Proc> p = ProcTable.read(e.pid());
        if (p.isEmpty() || p.get().zombie()) {
            return Optional.of("no longer running");
        }
        if (p.get().startTicks() != e.startTime()) {
            return Optional.of("pid reused: start time " + p.get().startTicks() + ", recorded " + e.startTime());
        }
        Optional<List<String>> cmd = cmdline(e.pid());
        if (cmd.isEmpty()) {
            return Optional.of("command unreadable");
        }
        if (!commandMatches(e.command(), cmd.get())) {
            return Optional.of("command differs: " + cmd.get());
        }
        return Optional.empty();
    }

    /**
     * Whether a live process's argv is the recorded command: equal, or equal once a leading
     * {@code setsid} is dropped from the record (setsid execs the command), or the record preceded
     * by at most two words (the interpreter and its argument, when the command is a script).
     */
    static boolean commandMatches(List<String> recorded, List<String> actual) {
        List<String> rec = recorded;
        if (rec.size() > 1 && (rec.get(0).equals("setsid") || rec.get(0).endsWith("/setsid"))) {
            rec = rec.subList(1, rec.size());
        }
        if (rec.isEmpty()) {
            return false;
        }
        int extra = actual.size() - rec.size();
        if (extra < 0 || extra > 2) {
            return false;
        }
        if (extra == 0) {
            return actual.equals(rec);
        }
        // a script: argv[0] is replaced by the interpreter, the script's path follows
        return actual.subList(extra, actual.size()).equals(rec);
    }

    private static void killAll(List<Entry> kill, Duration grace) {
        Optional<Posix> posix = Posix.get();
        Set<Long> groups = new HashSet<>();
        for (Entry e : kill) {
            if (e.pgid().isPresent() && posix.isPresent()) {
                groups.add(e.pgid().getAsLong());
            }
        }
        List<ProcessHandle> strays = strays(kill, groups);
        signal(kill, groups, strays, posix, Signal.TERM);
        long deadline = System.nanoTime() + grace.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (!anyAlive(kill, groups, strays)) {
                return;
            }
            sleep(50);
        }
        List<ProcessHandle> more = strays(kill, groups);
        for (ProcessHandle h : more) {
            if (!strays.contains(h)) {
                strays.add(h);
            }
        }
        signal(kill, groups, strays, posix, Signal.KILL);
        long end = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        while (System.nanoTime() - end < 0 && anyAlive(kill, groups, strays)) {
            sleep(20);
        }
    }

    /** Descendants of the entries that are outside the groups killed as a whole. */
    private static List<ProcessHandle> strays(List<Entry> kill, Set<Long> groups) {
        List<ProcessHandle> out = new ArrayList<>();
        for (Entry e : kill) {
            ProcessHandle.of(e.pid()).ifPresent(h -> h.descendants().forEach(d -> {
                Optional<ProcTable.Proc> p = ProcTable.read(d.pid());
                if (p.isPresent() && !p.get().zombie() && !groups.contains(p.get().pgrp())) {
                    out.add(d);
                }
            }));
            if (e.pgid().isPresent() && !groups.contains(e.pgid().getAsLong())) {
                // no kill(2) for groups: the leader's handle and the members found in /proc
                for (ProcTable.Proc p : ProcTable.scan().all()) {
                    if (p.pgrp() == e.pgid().getAsLong() && p.pid() != e.pid() && !p.zombie()) {
                        ProcessHandle.of(p.pid()).ifPresent(out::add);
                    }
                }
            }
        }
        return out;
    }

    private static void signal(List<Entry> kill, Set<Long> groups, List<ProcessHandle> strays, Optional<Posix> posix,
            Signal sig) {
        for (Entry e : kill) {
            if (e.pgid().isPresent() && groups.contains(e.pgid().getAsLong())) {
                long pgid = e.pgid().getAsLong();
                Optional<ProcTable.Proc> leader = ProcTable.read(pgid);
                // the leader must still be the recorded process; once it is gone, the number stays
                // reserved while any member of its group lives
                if (leader.isEmpty() || leader.get().startTicks() == e.startTime()) {
                    posix.orElseThrow().killGroup(pgid, sig);
                }
            } else {
                // ProcessHandle checks the start time before it signals
                ProcessHandle.of(e.pid()).ifPresent(h -> destroy(h, sig));
            }
        }
        for (ProcessHandle h : strays) {
            destroy(h, sig);
        }
    }

    private static void destroy(ProcessHandle h, Signal sig) {
        if (sig == Signal.KILL) {
            h.destroyForcibly();
        } else {
            h.destroy();
        }
    }

    private static boolean anyAlive(List<Entry> kill, Set<Long> groups, List<ProcessHandle> strays) {
        ProcTable table = ProcTable.scan();
        for (ProcTable.Proc p : table.all()) {
            if (!p.zombie() && groups.contains(p.pgrp())) {
                return true;
            }
        }
        for (Entry e : kill) {
            Optional<ProcTable.Proc> p = table.get(e.pid());
            if (p.isPresent() && !p.get().zombie() && p.get().startTicks() == e.startTime()) {
                return true;
            }
        }
        for (ProcessHandle h : strays) {
            Optional<ProcTable.Proc> p = table.get(h.pid());
            if (p.isPresent() && !p.get().zombie() && h.isAlive()) {
                return true;
            }
        }
        return false;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** This boot's id, when the kernel tells it. */
    static Optional<String> bootId() {
        try {
            return Optional.of(Files.readString(BOOT_ID, StandardCharsets.US_ASCII).trim());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The argv of a live process from /proc/PID/cmdline; empty when gone or a kernel thread. */
    static Optional<List<String>> cmdline(long pid) {
        try {
            byte[] b = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            if (b.length == 0) {
                return Optional.empty();
            }
            Charset cs = jnuCharset();
            List<String> argv = new ArrayList<>();
            int from = 0;
            for (int i = 0; i < b.length; i++) {
                if (b[i] == 0) {
                    argv.add(new String(b, from, i - from, cs));
                    from = i + 1;
                }
            }
            if (from < b.length) {
                argv.add(new String(b, from, b.length - from, cs));
            }
            return Optional.of(argv);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Charset jnuCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }

    static String escape(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String r = switch (c) {
                case '\\' -> "\\\\";
                case '\t' -> "\\t";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                default -> null;
            };
            if (r != null && sb == null) {
                sb = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            if (sb != null) {
                if (r != null) {
                    sb.append(r);
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? s : sb.toString();
    }

    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                sb.append(c);
                continue;
            }
            char n = s.charAt(++i);
            switch (n) {
                case 't' -> sb.append('\t');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                default -> sb.append(n);
            }
        }
        return sb.toString();
    }

    private record Locked(FileChannel channel, FileLock lock) {
        void release() {
            try {
                if (lock != null) {
                    lock.release();
                }
            } catch (IOException e) {
                // the channel closes below, which releases it too
            }
            try {
                channel.close();
            } catch (IOException e) {
                // nothing left to release
            }
        }
    }

    /**
     * Locks {@code <file>.lock}. The lock file stays on disk (deleting it would race with a
     * second supervisor taking it).
     */
    private static Locked lock(Path file) {
        try {
            Path dir = file.getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            Path lockPath = file.resolveSibling(file.getFileName() + ".lock");
            FileChannel ch = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            } catch (IOException e) {
                LOG.warn("cannot lock {} ({}); going on without protection from a second supervisor", lockPath,
                        e.toString());
                return new Locked(ch, null);
            }
            if (l == null) {
                ch.close();
                throw new IllegalStateException("state file " + file + " is in use by another live process ("
                        + lockPath + " is locked)");
            }
            return new Locked(ch, l);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot open the lock of state file " + file, e);
        }
    }
}
