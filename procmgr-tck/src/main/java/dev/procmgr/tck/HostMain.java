package dev.procmgr.tck;

import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.api.ProcessSpec;
import dev.procmgr.core.ProcessManagers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The host program {@link HostExitContractTest} forks: a JVM that manages a few process trees
 * through {@link ProcessManagers#create()} (backend from {@code -Dprocmgr.backend}, default
 * options: shutdown hook and guardian on) and then ends in the way it is told.
 *
 * <p>Usage: {@code HostMain MARKER MODE DIR}. It creates {@value #TREES} processes, tags
 * {@code p0..}, each {@code sh -c} starting two grandchildren (one ignores TERM, one runs
 * {@code setsid} itself), every one carrying MARKER in its argv; creates and stops one more tree,
 * tag {@code stopped}; then writes {@code DIR/ready} ({@code stopped=<pid>} and
 * {@code guardian=<pid>}, 0 when there is none) and ends by MODE:
 * <ul>
 *   <li>{@code close}: {@code close()}, writes {@code DIR/closed}, then waits to be killed;</li>
 *   <li>{@code normal}: returns from main;</li>
 *   <li>{@code exit3}: {@code System.exit(3)};</li>
 *   <li>{@code exception}: throws from main;</li>
 *   <li>{@code wait} (for TERM, INT, KILL from the test): sleeps.</li>
 * </ul>
 */
public final class HostMain {
    static final int TREES = 5;
    /** The process tree of each tag; $0 is its marker. Like tree.sh, but a plain {@code sh -c}. */
    static final String TREE = "m=\"$0\"; "
            + "sh -c 'trap \"\" TERM; while :; do sleep 1; done' \"$m-ignoring\" & "
            + "setsid sh -c 'while :; do sleep 1; done' \"$m-setsid\" & "
            + "echo ready; wait";
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration SETUP = Duration.ofSeconds(60);

    private HostMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: HostMain MARKER MODE DIR");
            System.exit(2);
        }
        String marker = args[0];
        String mode = args[1].toLowerCase(Locale.ROOT);
        Path dir = Path.of(args[2]);

        ProcessManager pm = ProcessManagers.create();
        for (int i = 0; i < TREES; i++) {
            pm.create("p" + i, tree(marker + "-p" + i));
        }
        ProcessContainer stopped = pm.create("stopped", tree(marker + "-stopped"));
        check(Procs.await(SETUP, () -> markedArgs(marker).size() == 3 * (TREES + 1)),
                "trees did not come up: " + markedArgs(marker));
        long stoppedPid = stopped.pid();
        stopped.stop();
        check(!pm.running("stopped"), "tag 'stopped' still in use after stop()");
        check(Procs.await(SETUP, () -> Procs.withMarker(marker + "-stopped").isEmpty()),
                "the stopped tree is still alive: " + Procs.withMarker(marker + "-stopped"));

        long guardian = ProcessHandle.current().children()
                .filter(h -> h.info().arguments().map(a -> String.join(" ", a).contains("procmgr-guardian")).orElse(false))
                .mapToLong(ProcessHandle::pid).findFirst().orElse(0);
        write(dir.resolve("ready"), "stopped=" + stoppedPid + "\nguardian=" + guardian + "\n");
        System.out.println("host ready: " + mode + ", stopped pid " + stoppedPid + ", guardian pid " + guardian);

        switch (mode) {
            case "close" -> {
                pm.close();
                write(dir.resolve("closed"), "closed\n");
                Thread.sleep(Long.MAX_VALUE);
            }
            case "normal" -> {
                // main returns; the JVM ends when only daemon threads are left
            }
            case "exit3" -> System.exit(3);
            case "exception" -> throw new IllegalStateException("host ends with an uncaught exception (test)");
            case "wait" -> Thread.sleep(Long.MAX_VALUE);
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
    }

    static ProcessSpec tree(String marker) {
        return ProcessSpec.builder("/bin/sh").args("-c", TREE, marker).stopTimeout(STOP_TIMEOUT).build();
    }

    /**
     * The distinct marker arguments of live processes: one per process of the trees. (Counting
     * processes would also count a shell's fork for an instant before it execs {@code sleep}.)
     */
    static Set<String> markedArgs(String marker) {
        Set<String> out = new TreeSet<>();
        for (long pid : Procs.withMarker(marker)) {
            try {
                String cmd = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                        StandardCharsets.UTF_8);
                for (String arg : cmd.split("\0")) {
                    if (arg.startsWith(marker)) {
                        out.add(arg);
                    }
                }
            } catch (IOException e) {
                // gone meanwhile
            }
        }
        return out;
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            System.err.println("host setup failed: " + message);
            Runtime.getRuntime().halt(97);
        }
    }

    private static void write(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }
}
