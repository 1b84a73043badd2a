package dev.procmgr.tck;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the reliability suites measure of the test JVM: open descriptors, live threads, heap after
 * GC, zombie children. Linux ({@code /proc}); each figure is a plain number so that a before/after
 * pair prints as {@code a->b}.
 */
public final class ReliabilityFigures {

    /** One measurement. */
    public record Snapshot(int fds, int threads, long heapBytes, int zombies) {
        public long heapMB() {
            return heapBytes / (1024 * 1024);
        }
    }

    private ReliabilityFigures() {
    }

    /** Measures now; runs GC first (a few times, so that finalizable and soft garbage is gone). */
    public static Snapshot measure() {
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return new Snapshot(openFds(), ManagementFactory.getThreadMXBean().getThreadCount(),
                mem.getHeapMemoryUsage().getUsed(), zombieChildren().size());
    }

    /** Entries in /proc/self/fd (the count includes the one the listing itself holds). */
    public static int openFds() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/self/fd", e);
        }
    }

    /** Pids of this JVM's children in state Z (exited, never reaped). */
    public static List<Long> zombieChildren() {
        long self = ProcessHandle.current().pid();
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path p : dir) {
                String name = p.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
                    continue;
                }
                try {
                    String stat = new String(Files.readAllBytes(p.resolve("stat")), StandardCharsets.ISO_8859_1);
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (f[0].equals("Z") && Long.parseLong(f[1]) == self) {
                        out.add(Long.parseLong(name));
                    }
                } catch (IOException | RuntimeException e) {
                    // gone meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc", e);
        }
        return out;
    }

    /**
     * Sets the level of a logback logger by name, when logback is the SLF4J binding (reflection:
     * the tck does not depend on logback). Returns the previous level's name, or null.
     */
    public static String setLogLevel(String logger, String level) {
        try {
            Object l = Class.forName("org.slf4j.LoggerFactory").getMethod("getLogger", String.class).invoke(null, logger);
            Class<?> levelClass = Class.forName("ch.qos.logback.classic.Level");
            Method getLevel = l.getClass().getMethod("getLevel");
            Object old = getLevel.invoke(l);
            Object lv = level == null ? null : levelClass.getMethod("toLevel", String.class).invoke(null, level);
            l.getClass().getMethod("setLevel", levelClass).invoke(l, lv);
            return old == null ? null : old.toString();
        } catch (ReflectiveOperationException | LinkageError e) {
            return null; // not logback: leave it
        }
    }
}
