package dev.procmgr.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Proves that one supervisor owns a socket path: an OS lock on {@code <socket>.lock}, held for
 * the supervisor's life and released by the kernel when it dies, so a socket file found while
 * holding the lock is stale. The lock file (holding the owner's pid) is left in place: deleting
 * it would let two supervisors lock different files of the same name.
 */
final class SupervisorLock implements AutoCloseable {

    private final FileChannel channel;
    private final FileLock lock;

    private SupervisorLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static Path lockFile(Path socket) {
        return socket.resolveSibling(socket.getFileName() + ".lock");
    }

    /**
     * @throws CliException (1) when another live supervisor holds it
     */
    static SupervisorLock acquire(Path socket) {
        Path file = lockFile(socket);
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                ch.close();
                throw alreadyRunning(socket, file);
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            return new SupervisorLock(ch, l);
        } catch (IOException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
            throw new CliException(ExitCodes.FAILURE, "cannot lock " + file + ": " + e.getMessage());
        }
    }

    /** True when a live supervisor holds the lock of this socket (checked without keeping it). */
    static boolean held(Path socket) {
        try (SupervisorLock ignored = acquire(socket)) {
            return false;
        } catch (CliException e) {
            return true;
        }
    }

    private static CliException alreadyRunning(Path socket, Path file) {
        String pid = "";
        try {
            pid = Files.readString(file).trim();
        } catch (IOException ignored) {
            // the message does without
        }
        return new CliException(ExitCodes.FAILURE, "a supervisor is already running on " + socket
                + (pid.isEmpty() ? "" : " (pid " + pid + ")") + "; stop it with 'procmgr down' first");
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }
}
