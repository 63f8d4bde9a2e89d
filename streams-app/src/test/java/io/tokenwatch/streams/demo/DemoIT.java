package io.tokenwatch.streams.demo;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tokenwatch.registry.MockSchemaRegistry;
import io.tokenwatch.streams.cli.TokenwatchCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's demo, end to end and shorter: embedded broker, workload, incidents, scorecard; the
 * other commands run against it through its HTTP schema registry; a second start on the same
 * {@code --data-dir} continues where the first stopped. No WARN or ERROR line in any of it.
 */
class DemoIT {
    private static final Pattern SCORE = Pattern.compile("scorecard: incidents=(\\d+) detected=(\\d+) false_alerts=(\\d+) max_delay_s=([0-9.]+)");

    @TempDir
    Path dataDir;

    @Test
    void detectsEveryIncidentServesTheOtherCommandsAndContinuesOnItsDataDirWithoutAWarning() throws Exception {
        ListAppender<ILoggingEvent> logs = captureLogs();
        try {
            // First run: history, live traffic with five incidents, and the other commands tried against it meanwhile.
            ByteArrayOutputStream first = new ByteArrayOutputStream();
            CompletableFuture<Integer> demo = runDemo(first, "--seed", "42", "--duration", "85s", "--first-incident-after", "2s",
                    "--incident-spacing", "3s");
            await().atMost(Duration.ofMinutes(3)).until(() -> demo.isDone() || first.toString(StandardCharsets.UTF_8).contains(" generate --config "));
            assertThat(demo).as("demo still running").isNotDone();
            String[] tryLines = first.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("  java -jar ")).toArray(String[]::new);
            assertThat(tryLines).hasSize(4);
            Path config = dataDir.resolve("tokenwatch-demo.properties");
            assertThat(tryLines[0]).isEqualTo("  java -jar streams-app/target/tokenwatch.jar report --config " + config + " --period P7D");
            assertThat(tryLines[1]).isEqualTo("  java -jar streams-app/target/tokenwatch.jar notify-slack --config " + config + " --dry-run");
            tryOtherCommands(tryLines);

            assertThat(demo.get()).isZero();
            String output = first.toString(StandardCharsets.UTF_8);
            Matcher started = Pattern.compile("History processed after ([0-9.]+) s").matcher(output);
            assertThat(started.find()).as("demo reached live traffic").isTrue();
            assertThat(Double.parseDouble(started.group(1))).as("seconds to start").isLessThan(60);
            Matcher score = lastLineScore(output);
            // Five injected incidents, the budget the spend spike breaks, and the spend the reconciliation finds untracked.
            assertThat(score.group(1)).isEqualTo("7");
            assertThat(score.group(2)).as("detected").isEqualTo("7");
            assertThat(output).containsPattern("untracked-spend +detected after [0-9.]+ s by capture_gap \\(openai\\|gpt-5\\|capture_gap\\|");
            assertThat(output).containsPattern("budget-breach +detected after [0-9.]+ s by budget_(spend|forecast) \\(task\\|sprint-planning\\|day\\|budget_");
            assertThat(score.group(3)).as("false alerts").isEqualTo("0");
            assertThat(Double.parseDouble(score.group(4))).as("max detection delay, s").isLessThan(40);
            Matcher kept = Pattern.compile("continues from event time (\\S+)").matcher(output);
            assertThat(kept.find()).as("says how to continue").isTrue();

            // Second run on the same directory, its registry emptied as in a new process: no history written again, live
            // traffic from where the first stopped, and the records kept from the first run still readable by their schema ids.
            MockSchemaRegistry.dropScope("tokenwatch-demo");
            ByteArrayOutputStream second = new ByteArrayOutputStream();
            CompletableFuture<Integer> restarted = runDemo(second, "--seed", "42", "--duration", "30s", "--incidents", "none");
            await().atMost(Duration.ofMinutes(2)).until(() -> restarted.isDone() || second.toString(StandardCharsets.UTF_8).contains(" generate --config "));
            StringWriter reportErr = new StringWriter();
            assertThat(cli(new StringWriter(), reportErr).execute(args(tryLines[0]))).isZero();
            assertThat(reportErr.toString()).contains("Read ").doesNotContain("skipped");
            assertThat(restarted.get()).isZero();
            String again = second.toString(StandardCharsets.UTF_8);
            assertThat(again).contains("on the data kept in " + dataDir).contains("State restored after")
                    .contains("live traffic at 60x event time from " + kept.group(1).replace("Z", ""))
                    .doesNotContainPattern("(?m)^history ");
            Matcher secondScore = lastLineScore(again);
            assertThat(secondScore.group(1)).isEqualTo("0");
            assertThat(secondScore.group(3)).as("false alerts after the restart").isEqualTo("0");
        } finally {
            ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
            ((Logger) LoggerFactory.getLogger("io.tokenwatch.streams.errors")).setLevel(Level.ERROR);
        }
        assertThat(logs.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(e -> e.getLevel() + " " + e.getLoggerName() + " - " + e.getFormattedMessage()).toList())
                .as("WARN and ERROR lines of the demo and the commands").isEmpty();
    }

    /** report, notify-slack --dry-run and generate as printed, against the demo's broker and HTTP registry. */
    private void tryOtherCommands(String[] tryLines) {
        StringWriter reportOut = new StringWriter();
        StringWriter reportErr = new StringWriter();
        assertThat(cli(reportOut, reportErr).execute(args(tryLines[0]))).isZero();
        assertThat(reportOut.toString()).startsWith("Token footprint by task").contains("code-review").contains("sprint-planning");
        assertThat(reportErr.toString()).containsPattern("Read [0-9,]+ records of llm.task-stats.v1 in [0-9.]+ s: the latest stats of [0-9,]+ windows\\R")
                .doesNotContain("skipped");

        StringWriter notifyOut = new StringWriter();
        assertThat(cli(notifyOut, new StringWriter()).execute(args(tryLines[1]))).isZero();
        assertThat(notifyOut.toString()).containsPattern("Dry run over llm.alerts.v1: \\d+ messages would be posted .*, 0 would be dead-lettered\\R");

        StringWriter budgetsOut = new StringWriter();
        StringWriter budgetsErr = new StringWriter();
        assertThat(cli(budgetsOut, budgetsErr).execute(args(tryLines[2]))).as(budgetsErr.toString()).isZero();
        assertThat(budgetsOut.toString()).containsPattern("task\\|sprint-planning\\|day: \\$[0-9,]+\\.00 a day \\(UTC\\), warn at 100%");
        assertThat(reportOut.toString()).contains("Budgets (spend in the current period").contains("task|sprint-planning|day");

        Path spill = dataDir.resolve("generate-spill");
        StringWriter generateOut = new StringWriter();
        StringWriter generateErr = new StringWriter();
        String generate = tryLines[3].replace("--duration 30s", "--duration 8s") + " --spill-dir " + spill;
        assertThat(cli(generateOut, generateErr).execute(args(generate))).as(generateErr.toString()).isZero();
        assertThat(generateOut.toString()).contains("Writing live traffic to try.calls.v1 and try.outcomes.v1")
                .containsPattern("Wrote [0-9,]+ calls in \\d+ s: [0-9,]+ events sent, 0 spilled to .*, 0 dropped");
        assertThat(spill).as("an empty spill directory is removed").doesNotExist();
    }

    private static String[] args(String tryLine) {
        String command = tryLine.trim().substring("java -jar streams-app/target/tokenwatch.jar ".length());
        return command.split(" ");
    }

    private static CommandLine cli(StringWriter out, StringWriter err) {
        CommandLine cli = TokenwatchCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli;
    }

    /** Runs the demo on {@link #dataDir} in the background, its console output into {@code captured} (and the test log). */
    private CompletableFuture<Integer> runDemo(ByteArrayOutputStream captured, String... options) {
        PrintStream original = System.out;
        System.setOut(new PrintStream(new TeeOutputStream(captured, original), true, StandardCharsets.UTF_8));
        List<String> args = new java.util.ArrayList<>(List.of(options));
        args.addAll(List.of("--data-dir", dataDir.toString(), "--http-port", "0", "--registry-port", "0", "--no-color"));
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new CommandLine(new DemoCommand()).execute(args.toArray(String[]::new));
            } finally {
                System.setOut(original);
            }
        });
    }

    private static Matcher lastLineScore(String output) {
        List<String> lines = output.lines().toList();
        String last = lines.get(lines.size() - 1);
        Matcher score = SCORE.matcher(last);
        assertThat(score.matches()).as("last line is the scorecard: " + last).isTrue();
        return score;
    }

    /**
     * Every event of every logger (the demo turns its own down to WARN; Kafka's are WARN too). The
     * test log configuration keeps dead-letter warnings out of the other tests' output; here they count.
     */
    private static ListAppender<ILoggingEvent> captureLogs() {
        ((Logger) LoggerFactory.getLogger("io.tokenwatch.streams.errors")).setLevel(Level.WARN);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(appender);
        return appender;
    }

    /** Writes to two streams: the test reads the output, the log still shows it. */
    private static final class TeeOutputStream extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        TeeOutputStream(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] bytes, int off, int len) throws java.io.IOException {
            a.write(bytes, off, len);
            b.write(bytes, off, len);
        }
    }
}
