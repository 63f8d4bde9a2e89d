package io.tokenwatch.streams.cli;

import io.tokenwatch.runtime.config.ConfigOptions;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.kafka.Preflight;
import io.tokenwatch.streams.app.BudgetTopic;
import io.tokenwatch.streams.report.BudgetReport;
import io.tokenwatch.streams.report.FootprintReport;
import io.tokenwatch.streams.report.ReportFormatter;
import io.tokenwatch.streams.report.StatsTopicReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

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

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        TokenwatchConfig config = options.load();
        Preflight.requireCluster(config);
        Instant to = until != null ? until : Instant.now().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        // Progress and the summary go to stderr: stdout is the report, e.g. piped into a CSV file.
        ProgressLine progress = new ProgressLine(spec.commandLine().getErr(), System.console() != null, "reading");
        long began = System.nanoTime();
        StatsTopicReader.Result read = StatsTopicReader.read(config, (done, total) -> progress.update(done, total,
                String.format(Locale.ROOT, "offset %,d of %,d in %s", done, total, config.statsTopic)));
        progress.finish();
        spec.commandLine().getErr().printf(Locale.ROOT, "Read %,d records of %s in %.1f s: the latest stats of %,d windows%s%n", read.records(), config.statsTopic,
                (System.nanoTime() - began) / 1e9, read.latest().size(), read.skipped().isEmpty() ? ""
                        : "; skipped " + read.skipped().entrySet().stream().map(e -> String.format(Locale.ROOT, "%,d (%s)", e.getValue(), e.getKey()))
                        .collect(Collectors.joining(", ")));
        spec.commandLine().getErr().flush();
        FootprintReport report = FootprintReport.build(read.latest(), dimension, to.minus(period), to);
        BudgetReport budgets = BudgetReport.build(BudgetTopic.read(config).byKey(), read.latest(), to);
        spec.commandLine().getOut().print(switch (format) {
            case "csv" -> ReportFormatter.csv(report);
            case "json" -> ReportFormatter.json(report, budgets) + "\n";
            case "text" -> ReportFormatter.text(report, top) + budgets.text();
            default -> throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--format: text, csv or json");
        });
        spec.commandLine().getOut().flush();
        return 0;
    }
}
