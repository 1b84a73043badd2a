package dev.procmgr.spi;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Helps a backend that cannot call {@code setsid()} in the child itself: util-linux
 * {@code setsid} as an argv prefix. A child started by the JVM is not a process group leader,
 * so {@code setsid} calls {@code setsid()} and execs the command without forking: the pid stays
 * the one the backend saw, and it is the new process group id.
 */
public final class SessionSupport {

    private SessionSupport() {
    }

    /** The setsid binary, if this machine has one. Looked up once, on first use. */
    public static Optional<Path> setsidBinary() {
        return Holder.SETSID;
    }

    /**
     * The command with the setsid prefix, or the command unchanged when there is no setsid
     * binary. {@code command.get(0)} must be an absolute path.
     */
    public static List<String> withSetsid(List<String> command) {
        Optional<Path> setsid = setsidBinary();
        if (setsid.isEmpty()) {
            return command;
        }
        List<String> argv = new ArrayList<>(command.size() + 1);
        argv.add(setsid.get().toString());
        argv.addAll(command);
        return argv;
    }

    private static final class Holder {
        static final Optional<Path> SETSID = find();

        private static Optional<Path> find() {
            for (String p : List.of("/usr/bin/setsid", "/bin/setsid", "/usr/local/bin/setsid")) {
                Path path = Path.of(p);
                if (Files.isRegularFile(path) && Files.isExecutable(path)) {
                    return Optional.of(path);
                }
            }
            return Optional.empty();
        }
    }
}
