package dev.procmgr.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * An append-mode file that rotates by size: {@code name -> name.1 -> ... -> name.keep}. Shared
 * by every run of one tag; thread-safe.
 */
final class RotatingFile implements AutoCloseable {
    private final Path path;
    private final long maxBytes;
    private final int keep;
    private FileChannel channel;
    private long size;

    RotatingFile(Path path, long maxBytes, int keep) throws IOException {
        this.path = path.toAbsolutePath();
        this.maxBytes = maxBytes;
        this.keep = keep;
        Path parent = this.path.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        open();
    }

    Path path() {
        return path;
    }

    /**
     * Appends the buffer's remaining bytes, rotating first whenever the file is full, so that no
     * file ever exceeds {@code maxBytes}. Consumes the buffer (position moves to its limit).
     */
    synchronized void write(ByteBuffer bytes) throws IOException {
        int limit = bytes.limit();
        try {
            while (bytes.hasRemaining()) {
                if (channel == null) {
                    open();
                }
                int n = bytes.remaining();
                if (maxBytes > 0 && size + n > maxBytes) {
                    long room = maxBytes - size;
                    if (room <= 0) {
                        rotate();
                        continue;
                    }
                    n = (int) room;
                }
                bytes.limit(bytes.position() + n); // a window, not a slice: no allocation per write
                while (bytes.hasRemaining()) {
                    size += channel.write(bytes);
                }
                bytes.limit(limit);
            }
        } finally {
            bytes.limit(limit);
        }
    }

    private void open() throws IOException {
        channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        size = channel.size();
    }

    private void rotate() throws IOException {
        channel.close();
        channel = null;
        if (keep == 0) {
            Files.deleteIfExists(path);
        } else {
            Files.deleteIfExists(sibling(keep));
            for (int i = keep - 1; i >= 1; i--) {
                Path from = sibling(i);
                if (Files.exists(from)) {
                    Files.move(from, sibling(i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(path, sibling(1), StandardCopyOption.REPLACE_EXISTING);
        }
        open();
    }

    private Path sibling(int i) {
        return path.resolveSibling(path.getFileName() + "." + i);
    }

    @Override
    public synchronized void close() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }
}
