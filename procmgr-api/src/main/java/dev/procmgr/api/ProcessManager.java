package dev.procmgr.api;

import java.util.List;
import java.util.Optional;

/**
 * The registry of a host's processes, each under a unique tag. Thread-safe.
 *
 * <p>The manual crash-restart pattern works as written:
 * <pre>{@code
 * if (pm.running(t) && !pm.fetch(t).orElseThrow().isAlive()) pm.fetch(t).orElseThrow().stop();
 * if (!pm.running(t)) pm.create(t, spec);
 * }</pre>
 *
 * <p>Get one with {@code @Inject ProcessManager} (Guice: {@code ProcessManagerModule} plus a
 * backend module), or {@code ProcessManagers.system()} for code without dependency injection.
 */
public interface ProcessManager extends AutoCloseable {

    /**
     * Starts a process and registers it under {@code tag}. The tag is checked and reserved
     * before anything starts; when two threads create the same tag, one wins and only one
     * process starts.
     *
     * @throws InvalidTagException when the tag is not 1-128 characters of {@code [A-Za-z0-9._:@-]}
     * @throws DuplicateTagException when the tag is in use, also by a crashed process
     * @throws ProcessStartException when the process cannot start; the tag stays free
     * @throws ManagerClosedException after {@link #close()}
     */
    ProcessContainer create(String tag, ProcessSpec spec);

    /** {@code create(tag, ProcessSpec.of(executable, args))}. */
    default ProcessContainer create(String tag, String executable, String... args) {
        return create(tag, ProcessSpec.of(executable, args));
    }

    /** True while the tag is in use: the process lives, or it exited and was not stopped. */
    boolean running(String tag);

    /** The container registered under the tag, or empty. Never throws for an invalid tag. */
    Optional<ProcessContainer> fetch(String tag);

    /** The registered containers, in the order they were created. */
    List<ProcessContainer> list();

    /** Adds a listener told of every process's state changes. */
    void addListener(ProcessListener listener);

    /** Removes a listener added with {@link #addListener}. */
    void removeListener(ProcessListener listener);

    /**
     * Stops every registered process in parallel (so closing many takes about one stop
     * timeout) and refuses further creates. Idempotent; never throws for a process that is
     * already gone.
     */
    @Override
    void close();
}
