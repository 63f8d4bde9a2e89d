package io.tokenwatch.streams.app;

import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.events.v1.GroupWindowStats;
import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.producer.CallReport;
import io.tokenwatch.producer.TokenUsage;
import io.tokenwatch.producer.TokenwatchClient;
import io.tokenwatch.registry.MockSchemaRegistry;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.kafka.OutputTopicConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The topology on a real in-process broker with exactly-once: events through producer-lib, alerts
 * read back committed, and the app restarted mid-run (once on a fresh state directory, so its state
 * comes back from the changelogs) without losing or duplicating the alert.
 */
class TokenwatchAppIT {
    private static final Instant NOW_HOUR = Instant.now().minus(Duration.ofHours(3)).truncatedTo(java.time.temporal.ChronoUnit.HOURS);
    private static EmbeddedKafkaBroker broker;
    private static TokenwatchClient client;
    private static KafkaConsumer<String, Object> reader;
    private int seq;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedKafkaBroker.onFreePorts().start();
        client = TokenwatchClient.builder().bootstrapServers(broker.bootstrapServers()).schemaRegistryUrl("mock://app-it")
                .spillDirectory(Files.createTempDirectory("tw-spill")).build();
    }

    @AfterAll
    static void stop() {
        if (reader != null) {
            reader.close();
        }
        client.close();
        broker.close();
        MockSchemaRegistry.dropScope("app-it");
    }

    private TokenwatchConfig config(Path stateDir) {
        return TokenwatchConfig.of(Map.of("bootstrap.servers", broker.bootstrapServers(), "schema.registry.url", "mock://app-it",
                "application.id", "tokenwatch-it", "state.dir", stateDir.toString(), "tokenwatch.topics.partitions", "2",
                "tokenwatch.anomaly.metrics", "tokens_per_call", "tokenwatch.otlp.enabled", "false"));
    }

    private void sendCalls(int n, Instant from, long inputTokens) {
        for (int i = 0; i < n; i++) {
            client.recordCall(CallReport.of("code-review", "claude-sonnet-4-5", TokenUsage.of(inputTokens, 1_000))
                    .callId("it-" + (++seq)).timestamp(from.plusSeconds(60L * i)).latencyMs(900));
        }
    }

    @Test
    void alertSurvivesRestartsExactlyOnce() throws Exception {
        Path stateA = Files.createTempDirectory("tw-state-a");
        reader = reader();
        // 7 days of 25 calls an hour at 11,000 tokens a call.
        for (int h = 7 * 24; h >= 1; h--) {
            sendCalls(25, NOW_HOUR.minus(Duration.ofHours(h)), 10_000);
        }
        try (TokenwatchApp app = TokenwatchApp.start(config(stateA)); TokenwatchHttpServer http = new TokenwatchHttpServer(app, config(stateA), 0)) {
            assertThat(app.awaitRunning(Duration.ofSeconds(90))).isTrue();
            assertThat(get(http, "/health/ready")).isEqualTo("200 RUNNING");
            assertThat(get(http, "/health/live")).isEqualTo("200 RUNNING");
            assertThat(get(http, "/metrics")).contains("tokenwatch_streams_running{application=\"run\"} 1.0")
                    .contains("tokenwatch_dlq_records_total{application=\"run\",reason=\"late\"}").contains("kafka_stream_");
            sendCalls(12, NOW_HOUR, 20_000); // 21,000 tokens a call: 1.9x, but only 12 calls so far
            awaitRecord(r -> r.value() instanceof GroupWindowStats s && s.getWindowStart().equals(NOW_HOUR) && s.getCalls() == 12);
            assertThat(alertsSoFar()).isEmpty();
        }

        // Restart on an empty state directory: window sums and baselines come back from the changelogs.
        try (TokenwatchApp app = TokenwatchApp.start(config(Files.createTempDirectory("tw-state-b")))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(90))).isTrue();
            sendCalls(13, NOW_HOUR.plusSeconds(900), 20_000); // calls 13..25 of the window: the 20th crosses
            AnomalyAlert alert = (AnomalyAlert) awaitRecord(r -> r.value() instanceof AnomalyAlert).value();
            assertThat(alert.getMetric()).isEqualTo("tokens_per_call");
            assertThat(alert.getWindowCalls()).as("the restored window counted the calls from before the restart").isEqualTo(20);
            assertThat(alert.getObserved()).isEqualTo(21_000.0);
            assertThat(alert.getBaseline()).isEqualTo(11_000.0);
        }

        // And again on the first state directory, with more anomalous calls: the episode is open, no new alert.
        try (TokenwatchApp app = TokenwatchApp.start(config(stateA))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(90))).isTrue();
            sendCalls(10, NOW_HOUR.plusSeconds(1_800), 20_000);
            awaitRecord(r -> r.value() instanceof GroupWindowStats s && s.getWindowStart().equals(NOW_HOUR) && s.getCalls() == 35);
        }
        assertThat(alertsSoFar()).as("no second alert after the restarts").isEmpty();
    }

    private static String get(TokenwatchHttpServer http, String path) throws Exception {
        var response = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + http.port() + path)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        return path.equals("/metrics") ? response.body() : response.statusCode() + " " + response.body();
    }

    private static KafkaConsumer<String, Object> reader() {
        KafkaConsumer<String, Object> consumer = OutputTopicConsumer.create(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG, "it-reader", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                "schema.registry.url", "mock://app-it"));
        broker.createTopics(2, List.of("llm.alerts.v1", "llm.task-stats.v1"));
        consumer.subscribe(List.of("llm.alerts.v1", "llm.task-stats.v1"));
        return consumer;
    }

    private final List<ConsumerRecord<String, Object>> unread = new ArrayList<>();

    private ConsumerRecord<String, Object> awaitRecord(Predicate<ConsumerRecord<String, Object>> wanted) {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, Object> r : reader.poll(Duration.ofMillis(200))) {
                unread.add(r);
            }
            for (int i = 0; i < unread.size(); i++) {
                if (wanted.test(unread.get(i))) {
                    ConsumerRecord<String, Object> found = unread.remove(i);
                    return found;
                }
            }
        }
        throw new AssertionError("Timed out waiting for a record");
    }

    /** Alerts read (committed) and not yet consumed by an assertion. */
    private List<AnomalyAlert> alertsSoFar() {
        long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < until) {
            reader.poll(Duration.ofMillis(200)).forEach(unread::add);
        }
        return unread.stream().filter(r -> r.value() instanceof AnomalyAlert).map(r -> (AnomalyAlert) r.value()).toList();
    }
}
