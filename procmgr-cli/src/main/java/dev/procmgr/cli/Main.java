package dev.procmgr.cli;

import com.google.inject.Guice;
import com.google.inject.Injector;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine;

/**
 * {@code procmgr}: picks the backend module, makes the one injector, and runs the command line
 * with a picocli factory over it. Exit codes: 0 ok, 1 failure, 2 usage, 3 unknown tag, 4 no
 * supervisor running.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        int code = run(args, System.getenv(), out, err);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs one command line and returns its exit code; never calls {@code System.exit}. */
    static int run(String[] args, Map<String, String> environment, PrintWriter out, PrintWriter err) {
        CliEnvironment env = new CliEnvironment(environment);
        Backend backend;
        try {
            backend = Backend.choose(args, System.getProperty("procmgr.backend"));
        } catch (IllegalArgumentException e) {
            err.println("procmgr: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        Injector injector = Guice.createInjector(new CliModule(env, backend), backend.module());
        return commandLine(injector, env, out, err).execute(args);
    }

    static CommandLine commandLine(Injector injector, CliEnvironment env, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(ProcmgrCommand.class, new GuiceFactory(injector));
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.registerConverter(Backend.class, Backend::parse);
        cl.registerConverter(RestartMode.class, new RestartMode.Converter());
        cl.getSubcommands().get("run").setStopAtPositional(true);
        applyExitCodeHelp(cl);
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("procmgr: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, c.getErr());
            c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help'.");
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (ex instanceof CliException e) {
                c.getErr().println("procmgr: " + e.getMessage());
                return e.exitCode();
            }
            if (ex instanceof CommandLine.ParameterException e) {
                c.getErr().println("procmgr: " + e.getMessage());
                c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help'.");
                return ExitCodes.USAGE;
            }
            c.getErr().println("procmgr: internal error: " + ex);
            if (env.get("PROCMGR_DEBUG").isPresent()) {
                ex.printStackTrace(c.getErr());
            } else {
                c.getErr().println("(set PROCMGR_DEBUG=1 for the stack trace)");
            }
            return ExitCodes.FAILURE;
        });
        return cl;
    }

    private static void applyExitCodeHelp(CommandLine cl) {
        cl.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(ExitCodes.help());
        cl.getSubcommands().values().forEach(Main::applyExitCodeHelp);
    }
}
