package dev.procmgr.spi;

import java.nio.ByteBuffer;

/**
 * Receives the bytes of one output stream from a backend. The core implements it (line
 * splitting, capture, files); a backend only moves bytes.
 *
 * <p>Calls for one stream come from one thread at a time, in order. {@link #write} must not
 * block for long and never throws; the backend calls {@link #close()} exactly once, at end of
 * file (or when it gives up reading), after the last {@code write}.
 */
public interface OutputSink {

    /** The next bytes of the stream, from {@code position} to {@code limit}. The buffer is reused after return. */
    void write(ByteBuffer bytes);

    /** End of the stream. */
    void close();
}
