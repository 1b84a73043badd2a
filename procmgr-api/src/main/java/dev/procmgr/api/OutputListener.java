package dev.procmgr.api;

/** Receives output lines; see {@link ProcessOutput#follow}. */
@FunctionalInterface
public interface OutputListener {
    /**
     * @param tag the process's tag
     * @param stream the stream the line came from
     * @param line the line without its newline
     */
    void onLine(String tag, ProcessOutput.Stream stream, String line);
}
