package dev.procmgr.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "procmgr",
        mixinStandardHelpOptions = true,
        scope = picocli.CommandLine.ScopeType.INHERIT,
        versionProvider = VersionProvider.class,
        description = {"A supervisor for a YAML file of programs, and its control commands.",
                "Start one with 'procmgr up -f procmgr.yaml'; then status, logs, stop, start, restart, reload, down."},
        subcommands = {UpCommand.class, StatusCommand.class, LifecycleCommand.Start.class, LifecycleCommand.Stop.class,
                LifecycleCommand.Restart.class, AddCommand.class, RemoveCommand.class, LogsCommand.class,
                ReloadCommand.class, DownCommand.class, RunCommand.class, AutoComplete.GenerateCompletion.class})
final class ProcmgrCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is missing");
    }
}
