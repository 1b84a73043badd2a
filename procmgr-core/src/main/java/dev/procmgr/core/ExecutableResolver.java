package dev.procmgr.core;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a spec's executable into an absolute path the backend can exec, or says precisely why
 * it cannot: checked before a process is started so that a start failure names its cause (and
 * a {@code setsid} prefix cannot hide it).
 */
final class ExecutableResolver {

    private ExecutableResolver() {
    }

    /** The reason an executable or directory cannot be used. */
    static final class Unusable extends Exception {
        private static final long serialVersionUID = 1L;

        Unusable(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * @param executable a path (contains '/') or a name looked up on PATH
     * @param directory the child's working directory (relative executables are resolved against it)
     * @param childEnv the child's environment, whose PATH is searched (the host's when it has none)
     */
    static Path resolve(String executable, Path directory, Map<String, String> childEnv) throws Unusable {
        if (executable.indexOf('/') >= 0) {
            Path p = directory.resolve(executable).normalize();
            check(p, executable);
            return p;
        }
        String path = Optional.ofNullable(childEnv.get("PATH")).orElseGet(() -> Optional.ofNullable(System.getenv("PATH")).orElse(""));
        Path lastFound = null;
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                dir = ".";
            }
            Path candidate = directory.resolve(dir).resolve(executable).normalize();
            if (Files.isRegularFile(candidate)) {
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
                lastFound = candidate;
            }
        }
        if (lastFound != null) {
            throw new Unusable(lastFound + " is not executable (permission denied)");
        }
        throw new Unusable("executable '" + executable + "' not found on PATH (" + path + ")");
    }

    static void checkDirectory(Path dir) throws Unusable {
        // one stat on the path of every launch; the messages tell the cases apart
        if (!Files.isDirectory(dir)) {
            throw new Unusable("working directory " + dir + (Files.exists(dir) ? " is not a directory" : " does not exist"));
        }
    }

    private static void check(Path p, String asGiven) throws Unusable {
        // a regular file is the common case: one stat and one access(2) on the path of every launch
        if (Files.isRegularFile(p)) {
            if (!Files.isExecutable(p)) {
                throw new Unusable(p + " is not executable (permission denied)");
            }
            return;
        }
        if (!Files.exists(p)) {
            throw new Unusable(p + " does not exist (no such file)");
        }
        if (Files.isDirectory(p)) {
            throw new Unusable(p + " is a directory, not an executable");
        }
        throw new Unusable(p + " is not a regular file");
    }
}
