package dev.procmgr.tck;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** Finding live processes by a marker in their argv, and waiting for conditions. */
public final class Procs {

    private Procs() {
    }

    /** Pids of live (not zombie) processes whose command line contains the marker. */
    public static List<Long> withMarker(String marker) {
        List<Long> out = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path p : dir) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit) || Long.parseLong(name) == self) {
                    continue;
                }
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                    if (cmd.contains(marker) && !isZombie(p)) {
                        out.add(Long.parseLong(name));
                    }
                } catch (IOException e) {
                    // gone meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc", e);
        }
        return out;
    }

    /** Like {@link #withMarker}, without the marked processes whose parent is marked too (forks not yet exec'd). */
    public static List<Long> rootsWithMarker(String marker) {
        List<Long> all = withMarker(marker);
        List<Long> roots = new ArrayList<>();
        for (long pid : all) {
            long parent = ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L);
            if (!all.contains(parent)) {
                roots.add(pid);
            }
        }
        return roots;
    }

    /** Whether a process with this pid is alive and not a zombie. */
    public static boolean alive(long pid) {
        Path p = Path.of("/proc", Long.toString(pid));
        return Files.exists(p) && !isZombie(p);
    }

    private static boolean isZombie(Path procDir) {
        try {
            String stat = Files.readString(procDir.resolve("stat"), StandardCharsets.ISO_8859_1);
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state == 'Z' || state == 'X';
        } catch (IOException | RuntimeException e) {
            return true; // gone
        }
    }

    /** Polls until the condition holds; false when it still does not after the timeout. */
    public static boolean await(Duration timeout, BooleanSupplier condition) {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() - end > 0) {
                return false;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** Kills every live process with the marker (test clean-up). */
    public static void killMarked(String marker) {
        for (long pid : withMarker(marker)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
