package dev.procmgr.nuprocess;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import dev.procmgr.linux.LibC;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starts a child with glibc's {@code posix_spawn}: a new session by {@code POSIX_SPAWN_SETSID}
 * (no {@code setsid} exec, and pid == pgid before the call returns), an empty signal mask and
 * default dispositions for every signal, the working directory by
 * {@code posix_spawn_file_actions_addchdir_np} (glibc 2.29+), and every descriptor above 2 closed
 * by {@code posix_spawn_file_actions_addclosefrom_np} (glibc 2.34+), as the JDK does. glibc's
 * {@code posix_spawn} reports a failed exec as its return value, so a start failure carries the
 * OS's reason; a file without a {@code #!} line or binary format ({@code ENOEXEC}) runs
 * with {@code /bin/sh}, as the JDK does. Needs none of the JDK's internals, so it works on JDKs without VFORK.
 *
 * <p>Loaded on first use; {@link #unavailabilityCause()} says why not where it cannot work (not
 * glibc, too old), and the backend then starts processes through NuProcess's own launch.
 */
final class PosixSpawn {

    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final short POSIX_SPAWN_SETSID = 0x80;
    private static final int ENOEXEC = 8;
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    /** In place of a descriptor: the child gets {@code /dev/null} there. */
    static final int DEV_NULL = -1;
    private static final String SHELL = "/bin/sh";
    private static final int STRUCT_SIZE = 1024; // > sizeof(posix_spawnattr_t) (336), sizeof(file actions) (80)

    private PosixSpawn() {
    }

    /** Empty when posix_spawn with these extensions can be used here, else why not. */
    static Optional<String> unavailabilityCause() {
        return Holder.CAUSE;
    }

    /** {@code envp} for posix_spawn: {@code NAME=value} strings in native memory, reusable across spawns. */
    static StringArray environmentBlock(Map<String, String> env) {
        String[] envp = new String[env.size()];
        int i = 0;
        for (Map.Entry<String, String> e : env.entrySet()) {
            envp[i++] = e.getKey() + "=" + e.getValue();
        }
        return new StringArray(envp);
    }

    /**
     * Spawns {@code argv} with the given pipe ends as fds 0, 1 and 2 ({@link #DEV_NULL} for
     * {@code /dev/null}; stderr onto stdout when {@code mergeStderr}).
     *
     * @param envArray the environment, made by {@link #environmentBlock} (only read by the spawn)
     * @return the child's pid
     * @throws IOException with {@code error=<errno>, <reason>} when the exec fails
     */
    static int spawn(List<String> argv, StringArray envArray, Path directory, boolean newSession, boolean mergeStderr,
                     int stdinFd, int stdoutFd, int stderrFd) throws IOException {
        Optional<String> cause = unavailabilityCause();
        if (cause.isPresent()) {
            throw new IOException("cannot start " + argv + ": " + cause.get());
        }
        Memory actions = new Memory(STRUCT_SIZE);
        Memory attr = new Memory(STRUCT_SIZE);
        Memory sigset = new Memory(LibC.SIGSET_SIZE);
        check(Native.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init", argv);
        try {
            check(Native.posix_spawnattr_init(attr), "posix_spawnattr_init", argv);
            try {
                redirect(actions, stdinFd, 0, O_RDONLY, argv);
                redirect(actions, stdoutFd, 1, O_WRONLY, argv);
                if (mergeStderr) {
                    check(Native.posix_spawn_file_actions_adddup2(actions, 1, 2), "adddup2", argv); // fd 1 is set by now
                } else {
                    redirect(actions, stderrFd, 2, O_WRONLY, argv);
                }
                check(Native.posix_spawn_file_actions_addchdir_np(actions, directory.toString()), "addchdir_np", argv);
                check(Native.posix_spawn_file_actions_addclosefrom_np(actions, 3), "addclosefrom_np", argv);
                short flags = (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | (newSession ? POSIX_SPAWN_SETSID : 0));
                check(Native.posix_spawnattr_setflags(attr, flags), "posix_spawnattr_setflags", argv);
                sigset.clear();
                Native.sigemptyset(sigset);
                check(Native.posix_spawnattr_setsigmask(attr, sigset), "posix_spawnattr_setsigmask", argv);
                Native.sigfillset(sigset);
                check(Native.posix_spawnattr_setsigdefault(attr, sigset), "posix_spawnattr_setsigdefault", argv);
                int[] pid = new int[1];
                int rc = Native.posix_spawn(pid, argv.get(0), actions, attr,
                        new StringArray(argv.toArray(new String[0])), envArray);
                if (rc == ENOEXEC) {
                    // no #! line and no binary format: run it with /bin/sh, as the JDK and execvp do
                    String[] shArgv = new String[argv.size() + 1];
                    shArgv[0] = SHELL;
                    for (int k = 0; k < argv.size(); k++) {
                        shArgv[k + 1] = argv.get(k);
                    }
                    rc = Native.posix_spawn(pid, SHELL, actions, attr, new StringArray(shArgv), envArray);
                }
                if (rc != 0) {
                    throw new IOException("Cannot run program \"" + argv.get(0) + "\" (in directory \"" + directory
                            + "\"): error=" + rc + ", " + Native.strerror(rc));
                }
                return pid[0];
            } finally {
                Native.posix_spawnattr_destroy(attr);
            }
        } finally {
            Native.posix_spawn_file_actions_destroy(actions);
        }
    }

    private static final java.util.regex.Pattern LAST_ERROR = java.util.regex.Pattern.compile("last error: (\\d+)");

    /** NuProcess's "last error: 24" message, followed by ": error=24, Too many open files". */
    static String withErrnoText(String message) {
        if (message == null) {
            return "unknown error";
        }
        java.util.regex.Matcher m = LAST_ERROR.matcher(message);
        if (!m.find() || unavailabilityCause().isPresent()) {
            return message;
        }
        int errno = Integer.parseInt(m.group(1));
        return message + ": error=" + errno + ", " + Native.strerror(errno);
    }

    /** Makes {@code fd} of the child {@code target}, or {@code /dev/null} for {@link #DEV_NULL}. */
    private static void redirect(Pointer actions, int fd, int target, int devNullFlags, List<String> argv) throws IOException {
        if (fd == DEV_NULL) {
            check(Native.posix_spawn_file_actions_addopen(actions, target, "/dev/null", devNullFlags, 0), "addopen", argv);
        } else {
            check(Native.posix_spawn_file_actions_adddup2(actions, fd, target), "adddup2", argv);
        }
    }

    private static void check(int rc, String call, List<String> argv) throws IOException {
        if (rc != 0) {
            throw new IOException("cannot start " + argv + ": " + call + " failed: error=" + rc + ", " + Native.strerror(rc));
        }
    }

    /** glibc, by direct mapping; registration fails if any symbol is missing. */
    private static final class Native {
        static native int posix_spawn(int[] pid, String path, Pointer fileActions, Pointer attr, Pointer argv, Pointer envp);

        static native int posix_spawn_file_actions_init(Pointer fa);

        static native int posix_spawn_file_actions_destroy(Pointer fa);

        static native int posix_spawn_file_actions_adddup2(Pointer fa, int fd, int newfd);

        static native int posix_spawn_file_actions_addopen(Pointer fa, int fd, String path, int oflag, int mode);

        static native int posix_spawn_file_actions_addchdir_np(Pointer fa, String path);

        static native int posix_spawn_file_actions_addclosefrom_np(Pointer fa, int from);

        static native int posix_spawnattr_init(Pointer attr);

        static native int posix_spawnattr_destroy(Pointer attr);

        static native int posix_spawnattr_setflags(Pointer attr, short flags);

        static native int posix_spawnattr_setsigmask(Pointer attr, Pointer sigset);

        static native int posix_spawnattr_setsigdefault(Pointer attr, Pointer sigset);

        static native int sigemptyset(Pointer sigset);

        static native int sigfillset(Pointer sigset);

        static native String strerror(int errnum);

        static void register() {
            com.sun.jna.Native.register(Native.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        }
    }

    private static final class Holder {
        static final Optional<String> CAUSE = probe();

        private static Optional<String> probe() {
            if (!Platform.isLinux()) {
                return Optional.of("not Linux");
            }
            try {
                Native.register();
                Class.forName("com.zaxxer.nuprocess.linux.ProcmgrLinuxProcess", false, PosixSpawn.class.getClassLoader());
                return Optional.empty();
            } catch (Throwable t) { // UnsatisfiedLinkError: not glibc 2.34+
                return Optional.of("posix_spawn with addchdir_np/addclosefrom_np unavailable (glibc 2.34+ needed): " + t);
            }
        }
    }
}
