package io.tokenwatch.streams.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar tokenwatch.jar <command>}: run, demo, report. */
@Command(name = "tokenwatch", mixinStandardHelpOptions = true, version = "tokenwatch 0.1.0",
        description = "Real-time LLM token spend attribution and anomaly detection on Kafka.",
        subcommands = {RunCommand.class, io.tokenwatch.streams.demo.DemoCommand.class, ReportCommand.class})
public final class TokenwatchCli implements Runnable {

    public static void main(String[] args) {
        System.exit(new CommandLine(new TokenwatchCli()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
