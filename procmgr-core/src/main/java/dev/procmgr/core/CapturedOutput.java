package dev.procmgr.core;

import dev.procmgr.api.OutputListener;
import dev.procmgr.api.ProcessOutput;
import java.util.List;
import java.util.Objects;

/** {@link ProcessOutput} over the two stream channels of a process. */
final class CapturedOutput implements ProcessOutput {
    private final StreamChannel stdout;
    private final StreamChannel stderr;
    private final Followers followers;

    CapturedOutput(StreamChannel stdout, StreamChannel stderr, Followers followers) {
        this.stdout = stdout;
        this.stderr = stderr;
        this.followers = followers;
    }

    @Override
    public List<String> lines(Stream stream, int n) {
        Objects.requireNonNull(stream, "stream is null");
        return (stream == Stream.STDOUT ? stdout : stderr).lastLines(n);
    }

    @Override
    public Subscription follow(OutputListener listener, int lastLines) {
        Objects.requireNonNull(listener, "listener is null");
        if (lastLines < 0) {
            throw new IllegalArgumentException("lastLines is negative: " + lastLines);
        }
        Followers.Sub sub = followers.register(listener);
        stdout.attach(sub, lastLines);
        stderr.attach(sub, lastLines);
        sub.start();
        return sub;
    }
}
