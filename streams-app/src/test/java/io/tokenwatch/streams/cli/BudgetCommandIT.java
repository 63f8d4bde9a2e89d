package io.tokenwatch.streams.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.producer.Attribution;
import io.tokenwatch.producer.CallReport;
import io.tokenwatch.producer.TokenUsage;
import io.tokenwatch.producer.TokenwatchClient;
import io.tokenwatch.registry.MockSchemaRegistry;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.kafka.OutputTopicConsumer;
import io.tokenwatch.streams.api.QueryApi;
import io.tokenwatch.streams.app.TokenwatchApp;
import io.tokenwatch.streams.app.TokenwatchHttpServer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The budgets topic and the `budget` command on a real broker, with the app running: budgets imported
 * from a file and listed, spend counted and warned about, a budget deleted while the app runs, and a
 * bad file refused before anything is written.
 */
class BudgetCommandIT {
    private static final String REGISTRY = "mock://budget-it";
    /** claude-sonnet-4-5 at 10,000 input and 1,000 output tokens: $0.03 + $0.015 = $0.045 a call. */
    private static final double CALL_USD = 0.045;

    private record Run(int exit, String out, String err) {
    }

    /** The notifier's webhooks as the budget command sees them: only finops is configured. */
    private static final Path WEBHOOKS = webhooksFile();

    private static Path webhooksFile() {
        try {
            Path file = Files.createTempFile("webhooks", ".properties");
            Files.writeString(file, "finops=https://hooks.slack.com/services/T0/B0/finops\n");
            return file;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Run budget(EmbeddedKafkaBroker broker, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = TokenwatchCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of("budget"));
        all.addAll(List.of(args));
        all.addAll(List.of("--set", "bootstrap.servers=" + broker.bootstrapServers(), "--set", "schema.registry.url=" + REGISTRY,
                "--set", "tokenwatch.dimensions=task,team", "--set", "tokenwatch.slack.webhooks.file=" + WEBHOOKS));
        return new Run(cli.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    @Test
    void budgetsSetFromTheCommandLineAreCountedWarnedAndRemovedWhileTheAppRuns() throws Exception {
        Path file = Files.createTempFile("budgets", ".yaml");
        Files.writeString(file, """
                budgets:
                  - dimension: task
                    group: code-review
                    period: day
                    usd: 1.00
                    warn_at: [0.5]
                    owner: "@reviews"
                  - dimension: team
                    group: platform
                    period: month
                    usd: 100
                    time_zone: Europe/Berlin
                    slack_route: finops
                """);
        Instant hour = Instant.now().minus(Duration.ofHours(3)).truncatedTo(ChronoUnit.HOURS);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.onFreePorts().start()) {
            Run imported = budget(broker, "import", file.toString());
            assertThat(imported.exit()).as(imported.err()).isZero();
            assertThat(imported.out()).contains(": 2 new, 0 changed, 0 unchanged, 0 deleted");
            Run listed = budget(broker, "list");
            assertThat(listed.out().lines().toList()).containsExactly(
                    "task|code-review|day: $1.00 a day (UTC), warn at 50%, forecast margin 10%, owner @reviews",
                    "team|platform|month: $100.00 a month (Europe/Berlin), warn at 50% 80% 100%, forecast margin 10%, Slack finops");

            TokenwatchConfig config = TokenwatchConfig.of(Map.of("bootstrap.servers", broker.bootstrapServers(), "schema.registry.url", REGISTRY,
                    "application.id", "budget-it", "state.dir", Files.createTempDirectory("tw-budget-it").toString(),
                    "tokenwatch.topics.partitions", "2", "tokenwatch.dimensions", "task,team", "tokenwatch.anomaly.metrics", "tokens_per_call",
                    "tokenwatch.otlp.enabled", "false"));
            try (TokenwatchApp app = TokenwatchApp.start(config); TokenwatchHttpServer http = new TokenwatchHttpServer(app, config, 0);
                 TokenwatchClient client = TokenwatchClient.builder().bootstrapServers(broker.bootstrapServers()).schemaRegistryUrl(REGISTRY)
                         .spillDirectory(Files.createTempDirectory("tw-spill")).defaults(Attribution.NONE.withTeam("platform")).build();
                 KafkaConsumer<String, Object> alerts = OutputTopicConsumer.create(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                         ConsumerConfig.GROUP_ID_CONFIG, "budget-it-reader", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                         "schema.registry.url", REGISTRY))) {
                assertThat(app.awaitRunning(Duration.ofSeconds(90))).isTrue();
                alerts.subscribe(List.of(config.alertsTopic));
                awaitBudgets(http, budgets -> budgets.size() == 2 && budgets.get(0).get("spentUsd").asDouble() == 0);

                for (int i = 0; i < 12; i++) { // the 12th call brings the day to $0.54: past 50 % of $1.00
                    client.recordCall(CallReport.of("code-review", "claude-sonnet-4-5", TokenUsage.of(10_000, 1_000))
                            .callId("budget-it-" + i).timestamp(hour.plusSeconds(60L * i)).latencyMs(900));
                }
                AnomalyAlert warning = awaitAlert(alerts, a -> a.getMetric().equals("budget_spend"));
                assertThat(warning.getStatus()).isEqualTo(AlertStatus.OPEN);
                assertThat(warning.getBudget().getBudgetKey()).isEqualTo("task|code-review|day");
                assertThat(warning.getBudget().getWarningFraction()).isEqualTo(0.5);
                assertThat(warning.getWindowCalls()).isEqualTo(12);
                assertThat(warning.getBudget().getSpentUsd()).isEqualTo(12 * CALL_USD, org.assertj.core.data.Offset.offset(1e-9));
                assertThat(warning.getTriggerCallId()).isEqualTo("budget-it-11");
                List<JsonNode> counted = awaitBudgets(http, budgets -> budgets.stream().allMatch(b -> b.get("calls").asLong() == 12));
                assertThat(counted.get(1).get("key").asText()).isEqualTo("team|platform|month");
                assertThat(counted.get(1).get("spentUsd").asDouble()).isEqualTo(12 * CALL_USD, org.assertj.core.data.Offset.offset(1e-9));
                assertThat(counted.get(1).get("periodStart").asText()).endsWith(":00:00Z"); // midnight in Berlin, 23:00 or 22:00 UTC

                // Deleted while the app runs: once the app has it, the next window ends the open warning.
                Run deleted = budget(broker, "delete", "--dimension", "task", "--group", "code-review", "--period", "day");
                assertThat(deleted.out()).isEqualTo("Deleted task|code-review|day\n");
                awaitBudgets(http, budgets -> budgets.size() == 1);
                client.recordCall(CallReport.of("code-review", "claude-sonnet-4-5", TokenUsage.of(10_000, 1_000))
                        .callId("budget-it-later").timestamp(hour.plus(Duration.ofMinutes(61))).latencyMs(900));
                AnomalyAlert removed = awaitAlert(alerts, a -> a.getMetric().equals("budget_spend"));
                assertThat(removed.getStatus()).isEqualTo(AlertStatus.RESOLVED);
                assertThat(removed.getResolvedReason()).isEqualTo("budget-removed");
                assertThat(removed.getAlertId()).isEqualTo(warning.getAlertId());
            }

            // The same file again: only the deleted budget is written back.
            assertThat(budget(broker, "import", file.toString()).out()).contains(": 1 new, 0 changed, 1 unchanged, 0 deleted");
            Files.writeString(file, Files.readString(file).replace("period: month", "period: fortnight"));
            Run refused = budget(broker, "import", file.toString());
            assertThat(refused.exit()).isEqualTo(2);
            Files.writeString(file, Files.readString(file).replace("period: fortnight", "period: month").replace("slack_route: finops", "slack_route: nowhere"));
            Run unrouted = budget(broker, "import", file.toString());
            assertThat(unrouted.exit()).isEqualTo(2);
            assertThat(unrouted.err()).contains("slack_route 'nowhere' of team|platform|month names no configured webhook (configured: finops):"
                    + " set TOKENWATCH_SLACK_WEBHOOK_NOWHERE or add it to tokenwatch.slack.webhooks.file");
            assertThat(refused.err()).contains("budgets[1]: period 'fortnight' is not day, week or month");
            Run bad = budget(broker, "set", "--dimension", "team", "--group", "platform", "--period", "week", "--usd", "-5");
            assertThat(bad.exit()).isEqualTo(2);
            assertThat(bad.err()).contains("amount_usd must be a positive number of dollars, not -5.0");
            assertThat(budget(broker, "list").out().lines()).hasSize(2);
        } finally {
            MockSchemaRegistry.dropScope("budget-it");
        }
    }

    private static List<JsonNode> awaitBudgets(TokenwatchHttpServer http, Predicate<List<JsonNode>> wanted) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        List<JsonNode> last = List.of();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + http.port() + "/api/budgets")).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                last = new ArrayList<>();
                QueryApi.JSON.readTree(response.body()).forEach(last::add);
                if (wanted.test(last)) {
                    return last;
                }
            }
            Thread.sleep(200); // between two polls of the condition
        }
        throw new AssertionError("Timed out waiting for /api/budgets; last: " + last);
    }

    private static AnomalyAlert awaitAlert(KafkaConsumer<String, Object> alerts, Predicate<AnomalyAlert> wanted) {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, Object> r : alerts.poll(Duration.ofMillis(200))) {
                if (r.value() instanceof AnomalyAlert alert && wanted.test(alert)) {
                    return alert;
                }
            }
        }
        throw new AssertionError("Timed out waiting for an alert");
    }
}
