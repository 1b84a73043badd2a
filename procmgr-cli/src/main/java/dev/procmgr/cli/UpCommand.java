package dev.procmgr.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.procmgr.api.ProcessManager;
import dev.procmgr.core.ManagerOptions;
import dev.procmgr.spi.SessionSupport;
import jakarta.inject.Inject;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "up", description = {"Start a supervisor for every program in the config file.",
        "In the foreground (default) each output line is shown prefixed with its program's tag;",
        "Ctrl-C or SIGTERM stops all programs gracefully and exits. With -d the supervisor detaches",
        "and logs to .procmgr/procmgr.log and .procmgr/logs/TAG.log beside the config file."})
final class UpCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger("procmgr");
    /** How long {@code up -d} waits for the detached supervisor to answer. */
    static final long DETACH_WAIT_MILLIS = 60_000;

    @Mixin
    ConfigOptions.Standard config;

    @Spec
    CommandSpec spec;

    @Option(names = "--backend", paramLabel = "NAME", description = "jdk (default) or nuprocess.")
    Backend backend;

    @Option(names = {"-d", "--detach"}, description = "Run the supervisor in the background.")
    boolean detach;

    @Option(names = "--detached-child", hidden = true, description = "Internal: the background supervisor itself.")
    boolean detachedChild;

    private final ConfigLoader loader;
    private final ManagerFactory managers;
    private final ObjectMapper json;
    private final CliEnvironment env;
    private final Backend chosen;

    @Inject
    UpCommand(ConfigLoader loader, ManagerFactory managers, ObjectMapper json, CliEnvironment env, Backend chosen) {
        this.loader = loader;
        this.managers = managers;
        this.json = json;
        this.env = env;
        this.chosen = chosen;
    }

    @Override
    public Integer call() throws Exception {
        Path configFile = config.configFile();
        Map<String, ProgramConfig> programs;
        try {
            programs = loader.load(configFile);
        } catch (ConfigException e) {
            throw new CliException(ExitCodes.FAILURE, e.getMessage());
        }
        Path socket = config.socket(env);
        Path stateDir = config.stateDir();
        ConfigOptions.privateDirectory(stateDir, true);
        if (!socket.getParent().equals(stateDir)) {
            ConfigOptions.privateDirectory(socket.getParent(), false);
        }
        if (socket.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 100) {
            throw new CliException(ExitCodes.FAILURE, "socket path too long for a Unix socket (over 100 bytes): " + socket
                    + "; give a shorter one with --socket");
        }
        if (detach && !detachedChild) {
            try (SupervisorLock probe = SupervisorLock.acquire(socket)) {
                // free: the child takes it
            }
            return detach(configFile, socket, stateDir);
        }
        try (SupervisorLock lock = SupervisorLock.acquire(socket)) {
            if (Files.exists(socket)) {
                if (ControlClient.alive(socket, json)) {
                    throw new CliException(ExitCodes.FAILURE, "a supervisor is already running on " + socket);
                }
                Files.deleteIfExists(socket);
                spec.commandLine().getErr().println("procmgr: removed stale control socket " + socket + " (its supervisor is gone)");
                spec.commandLine().getErr().flush();
            }
            return supervise(configFile, socket, stateDir, programs);
        }
    }

    private int supervise(Path configFile, Path socket, Path stateDir, Map<String, ProgramConfig> programs)
            throws InterruptedException, IOException {
        ProcessManager manager = managers.create(ManagerOptions.defaults()
                // one supervisor per socket (the lock): its state file goes with it
                .withStateFile(socket.resolveSibling(socket.getFileName() + ".state")));
        Supervisor.OutputRouting routing;
        if (detachedChild) {
            Path logs = stateDir.resolve("logs");
            ConfigOptions.privateDirectory(logs, false);
            routing = Supervisor.OutputRouting.files(logs);
        } else {
            routing = Supervisor.OutputRouting.CONSOLE;
        }
        Supervisor supervisor = new Supervisor(manager, configFile, loader, routing);
        ControlServer server = new ControlServer(socket, new ControlHandler(supervisor, loader, json), json);
        try {
            server.start();
        } catch (IOException e) {
            manager.close();
            throw new CliException(ExitCodes.FAILURE, "cannot listen on " + socket + ": " + e.getMessage());
        }
        Thread hook = new Thread(() -> {
            supervisor.close();
            server.close();
        }, "procmgr-up-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            LOG.info("supervising {} programs from {} on backend {} (pid {}); control socket {}", programs.size(), configFile,
                    managers.backendName(), ProcessHandle.current().pid(), socket);
            supervisor.startAll(programs);
            supervisor.awaitTermination();
        } finally {
            supervisor.close();
            server.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down; the hook ran or runs
            }
        }
        LOG.info("supervisor ended");
        return ExitCodes.OK;
    }

    /** Starts this same program as a background supervisor and waits until it answers. */
    private int detach(Path configFile, Path socket, Path stateDir) throws IOException, InterruptedException {
        Path log = stateDir.resolve("procmgr.log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of("up", "--detached-child", "-f", configFile.toString(), "--socket", socket.toString(),
                "--backend", (backend != null ? backend : chosen).name()));
        ProcessBuilder pb = new ProcessBuilder(SessionSupport.withSetsid(cmd))
                .directory(configFile.getParent().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true);
        Process child = pb.start();
        long deadline = System.nanoTime() + DETACH_WAIT_MILLIS * 1_000_000;
        while (System.nanoTime() < deadline) {
            if (!child.isAlive()) {
                throw new CliException(ExitCodes.FAILURE, "the supervisor did not start (exit " + child.exitValue() + "):\n"
                        + tail(log, 10));
            }
            if (Files.exists(socket)) {
                try (ControlClient c = ControlClient.connect(socket, json)) {
                    if (c.call(Protocol.request(json, "ping"), 5_000).path("ready").asBoolean()) {
                        spec.commandLine().getOut().println("procmgr: supervisor running in the background (pid " + child.pid()
                                + "); socket " + socket + "; log " + log);
                        spec.commandLine().getOut().flush();
                        return ExitCodes.OK;
                    }
                } catch (CliException e) {
                    // not listening yet
                }
            }
            Thread.sleep(100);
        }
        child.destroy();
        throw new CliException(ExitCodes.FAILURE, "the supervisor did not answer within " + DETACH_WAIT_MILLIS / 1000
                + " s; see " + log);
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log at " + file + ")";
        }
    }
}
