package io.tokenwatch.streams.cli;

import io.tokenwatch.runtime.CannotStartException;
import io.tokenwatch.streams.demo.DemoCommand;
import io.tokenwatch.streams.demo.GenerateCommand;
import io.tokenwatch.streams.reconcile.ReconcileCommand;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** {@code java -jar tokenwatch.jar <command>}: run, demo, generate, report, notify-slack, budget, reconcile, settings. */
@Command(name = "tokenwatch", mixinStandardHelpOptions = true, version = "tokenwatch 0.1.0",
        description = "Real-time LLM token spend attribution and anomaly detection on Kafka.",
        subcommands = {RunCommand.class, DemoCommand.class, GenerateCommand.class,
                ReportCommand.class, NotifySlackCommand.class, BudgetCommand.class, ReconcileCommand.class, SettingsCommand.class})
public final class TokenwatchCli implements Runnable {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line, with invalid configuration reported as one line naming the key (exit code 2). */
    public static CommandLine commandLine() {
        return new CommandLine(new TokenwatchCli()).setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ConfigException) {
                cmd.getErr().println("Invalid configuration: " + e.getMessage());
                return 2;
            }
            if (e instanceof CannotStartException) {
                cmd.getErr().println("Cannot start: " + e.getMessage());
                return 2;
            }
            throw e;
        });
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
