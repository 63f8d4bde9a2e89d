package io.tokenwatch.streams.cli;

import io.tokenwatch.streams.config.TokenwatchConfig;
import io.tokenwatch.streams.report.FootprintReport;
import io.tokenwatch.streams.report.ReportFormatter;
import io.tokenwatch.streams.report.StatsTopicReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;

/** The token footprint report for a period, read from the window-stats topic. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Token footprint report (cost by group, efficiency vs targets, top opportunities) for a period.")
public final class ReportCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--period", defaultValue = "P1D", description = "Length of the period, ISO-8601 (default: ${DEFAULT-VALUE}).")
    Duration period;

    @Option(names = "--until", description = "End of the period (default: the end of the current hour).")
    Instant until;

    @Option(names = "--dimension", defaultValue = "task", description = "Dimension to report on (default: ${DEFAULT-VALUE}).")
    String dimension;

    @Option(names = "--format", defaultValue = "text", description = "text, csv or json (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--top", defaultValue = "10", description = "Opportunities to list (default: ${DEFAULT-VALUE}).")
    int top;

    @Override
    public Integer call() {
        TokenwatchConfig config = options.load();
        Instant to = until != null ? until : Instant.now().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        FootprintReport report = FootprintReport.build(StatsTopicReader.readAll(config), dimension, to.minus(period), to);
        System.out.print(switch (format) {
            case "csv" -> ReportFormatter.csv(report);
            case "json" -> ReportFormatter.json(report) + "\n";
            case "text" -> ReportFormatter.text(report, top);
            default -> throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--format: text, csv or json");
        });
        return 0;
    }
}
