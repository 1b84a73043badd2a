package dev.procmgr.cli;

import dev.procmgr.api.ExitStatus;
import dev.procmgr.api.OutputSpec;
import dev.procmgr.api.ProcessContainer;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.api.ProcessSpec;
import dev.procmgr.api.ProcessState;
import dev.procmgr.api.ProcmgrException;
import dev.procmgr.api.RestartPolicy;
import dev.procmgr.api.Signal;
import dev.procmgr.api.StdinSpec;
import dev.procmgr.core.ManagerOptions;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "run", description = {"Supervise one command in the foreground and exit with its exit code.",
        "INT, TERM and HUP are forwarded to it (its whole process group); the exit code is the",
        "command's, or 128+signal when a signal killed it.",
        "Put -- before the command: procmgr run --restart on-failure -- ./server --port 8080",
        "The command reads this terminal's stdin on the jdk backend, /dev/null on nuprocess."})
final class RunCommand implements Callable<Integer> {

    @Option(names = "--restart", paramLabel = "POLICY", defaultValue = "never", converter = RestartMode.Converter.class,
            description = "never (default), on-failure or always.")
    RestartMode restart;

    @Option(names = "--max-restarts", paramLabel = "N", defaultValue = "5", description = "Failures in a row before giving up (default ${DEFAULT-VALUE}).")
    int maxRestarts;

    @Option(names = "--backoff", paramLabel = "DURATION", defaultValue = "1s", converter = DurationConverter.class,
            description = "Delay before the first restart (default ${DEFAULT-VALUE}).")
    Duration backoff;

    @Option(names = "--stop-timeout", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "After INT/TERM is forwarded, how long to wait before KILL (default ${DEFAULT-VALUE}).")
    Duration stopTimeout;

    @Option(names = "--backend", paramLabel = "NAME", description = "jdk (default) or nuprocess.")
    Backend backend;

    @Option(names = {"-v", "--verbose"}, description = "Log starts, exits and restarts to stderr (default: only warnings).")
    boolean verbose;

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "The command and its arguments.")
    List<String> command = new ArrayList<>();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec cliSpec;

    private final ManagerFactory managers;
    private final Backend chosen;

    @Inject
    RunCommand(ManagerFactory managers, Backend chosen) {
        this.managers = managers;
        this.chosen = chosen;
    }

    @Override
    public Integer call() throws Exception {
        if (maxRestarts < 0) {
            throw new picocli.CommandLine.ParameterException(cliSpec.commandLine(), "--max-restarts must not be negative");
        }
        if (!verbose) {
            // a wrapper stays out of the way: the command's own output only, unless something goes wrong
            org.slf4j.Logger core = org.slf4j.LoggerFactory.getLogger("dev.procmgr");
            if (core instanceof ch.qos.logback.classic.Logger l) {
                l.setLevel(ch.qos.logback.classic.Level.WARN);
            }
        }
        CompletableFuture<ExitStatus> done = new CompletableFuture<>();
        ProcessSpec spec = ProcessSpec.builder(command.get(0))
                .args(command.subList(1, command.size()))
                // NuProcess cannot hand the host's stdin to a child: there the command reads /dev/null
                .stdin(chosen == Backend.nuprocess ? StdinSpec.none() : StdinSpec.inherit())
                .stdout(OutputSpec.inherit())
                .stderr(OutputSpec.inherit())
                .restartPolicy(RestartPolicy.of(restart.mode).withMaxRestarts(maxRestarts)
                        .withBackoff(backoff, backoff.compareTo(Duration.ofSeconds(60)) > 0 ? backoff : Duration.ofSeconds(60)))
                .stopTimeout(stopTimeout)
                .listener((from, to) -> {
                    if (to.state() == ProcessState.EXITED || to.state() == ProcessState.FATAL) {
                        to.exit().ifPresent(done::complete);
                    }
                })
                .build();
        List<sun.misc.Signal> handled = new ArrayList<>();
        List<sun.misc.SignalHandler> previous = new ArrayList<>();
        AtomicReference<ProcessContainer> container = new AtomicReference<>();
        AtomicReference<Signal> early = new AtomicReference<>();
        // handlers first: a signal that comes while the command starts is held, then forwarded
        for (Signal s : List.of(Signal.INT, Signal.TERM, Signal.HUP)) {
            sun.misc.Signal os = new sun.misc.Signal(s.name());
            try {
                previous.add(sun.misc.Signal.handle(os, sig -> {
                    ProcessContainer c = container.get();
                    if (c == null) {
                        early.compareAndSet(null, s);
                    } else {
                        forward(c, s, done);
                    }
                }));
                handled.add(os);
            } catch (IllegalArgumentException e) {
                // the JVM keeps this signal (-Xrs, or ignored when we were started): not forwarded
            }
        }
        try (ProcessManager manager = managers.create(ManagerOptions.defaults())) {
            ProcessContainer c;
            try {
                c = manager.create("run", spec);
            } catch (ProcmgrException e) {
                throw new CliException(ExitCodes.FAILURE, e.getMessage());
            }
            container.set(c);
            Signal pending = early.getAndSet(null);
            if (pending != null) {
                forward(c, pending, done);
            }
            return awaitEnd(c, done).shellCode();
        } finally {
            for (int i = 0; i < handled.size(); i++) {
                sun.misc.Signal.handle(handled.get(i), previous.get(i));
            }
        }
    }

    /**
     * The exit status once the command is done for good (EXITED or FATAL, or stopped after a
     * forwarded INT/TERM). The state listener normally tells; the state is also polled, so a
     * missed event can only delay the end, never hang it.
     */
    private static ExitStatus awaitEnd(ProcessContainer c, CompletableFuture<ExitStatus> done) throws Exception {
        while (true) {
            try {
                return done.get(250, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                ProcessState s = c.state();
                if ((s == ProcessState.EXITED || s == ProcessState.FATAL) && c.exitStatus().isPresent()) {
                    return c.exitStatus().get();
                }
            }
        }
    }

    /** Runs on the JVM's signal thread: passes the signal on; INT and TERM also end the supervision. */
    private void forward(ProcessContainer c, Signal s, CompletableFuture<ExitStatus> done) {
        c.signal(s);
        if (s == Signal.HUP) {
            return;
        }
        Thread t = new Thread(() -> {
            ExitStatus status = null;
            try {
                status = c.onExit().get(stopTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // still alive after the stop timeout: stop() below kills what is left
            } catch (Exception e) {
                // fall through to stop()
            }
            ExitStatus stopped = c.stop(Duration.ofSeconds(1));
            done.complete(status != null ? status : stopped);
        }, "procmgr-run-stop");
        t.setDaemon(true);
        t.start();
    }
}
