package io.tokenwatch.producer;

import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.registry.MockSchemaRegistry;
import io.tokenwatch.serde.KafkaAvroDeserializer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** producer-lib against a real in-process broker that is stopped mid-run and started again. */
class ProducerOutageIT {
    private static final String REGISTRY = "mock://producer-it";
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.onFreePorts().start();
        broker.createTopics(2, List.of("llm.calls.v1", "llm.outcomes.v1"));
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
        MockSchemaRegistry.dropScope("producer-it");
    }

    @Test
    void anUnresolvableBootstrapHostNeitherFailsBuildNorRecordingEventsSpill() throws Exception {
        Path spillDir = Files.createTempDirectory("tw-spill-dns");
        try (TokenwatchClient client = TokenwatchClient.builder()
                .bootstrapServers("kafka.does-not-resolve.invalid:9092").schemaRegistryUrl(REGISTRY)
                .spillDirectory(spillDir).replayInterval(Duration.ofMillis(200)).build()) {
            for (int i = 0; i < 50; i++) {
                client.recordCall(report(i));
            }
            await("events spilled", () -> client.counts().spilled() == 50);
            assertThat(client.counts().dropped()).isZero();
            assertThat(client.counts().sent()).isZero();
        }
        assertThatThrownBy(() -> TokenwatchClient.builder().bootstrapServers("kafka").schemaRegistryUrl(REGISTRY).build())
                .as("a typo is not an outage").isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'kafka' is not host:port");
    }

    @Test
    void recordNeverBlocksDuringAnOutageAndEveryEventArrivesExactlyOnceAfterIt() throws Exception {
        int perPhase = 1_000;
        long[] outageLatencyNanos = new long[perPhase];
        try (TokenwatchClient client = TokenwatchClient.builder()
                .bootstrapServers(broker.bootstrapServers()).schemaRegistryUrl(REGISTRY)
                .spillDirectory(Files.createTempDirectory("tw-spill")).replayInterval(Duration.ofMillis(500))
                .producerProperty("delivery.timeout.ms", 4_000).producerProperty("request.timeout.ms", 1_000)
                .producerProperty("linger.ms", 5).producerProperty("max.block.ms", 1_000)
                .producerProperty("reconnect.backoff.max.ms", 500)
                .build()) {
            AgentSession session = client.newSession();
            for (int i = 0; i < perPhase; i++) {
                client.recordCall(report(i).session(session));
            }
            await("first phase acknowledged", () -> client.counts().sent() == perPhase);

            broker.stop();
            for (int i = 0; i < perPhase; i++) {
                long start = System.nanoTime();
                client.recordCall(report(perPhase + i));
                outageLatencyNanos[i] = System.nanoTime() - start;
            }
            await("outage events spilled", () -> client.counts().spilled() >= perPhase);
            broker.start();
            await("spilled events replayed", () -> client.counts().sent() + client.counts().replayed() == 2L * perPhase);

            Arrays.sort(outageLatencyNanos);
            long p50 = outageLatencyNanos[perPhase / 2] / 1_000;
            long p99 = outageLatencyNanos[perPhase * 99 / 100] / 1_000;
            long max = outageLatencyNanos[perPhase - 1] / 1_000;
            System.out.printf("record() latency on the caller's thread with the broker down: p50=%d us p99=%d us max=%d us; counts %s%n",
                    p50, p99, max, client.counts());
            assertThat(p99).as("p99 caller latency in microseconds while the broker is down").isLessThan(1_000);
            assertThat(client.counts().dropped()).isZero();
        }

        Map<String, Integer> seen = consumeCallIds("llm.calls.v1", 2 * perPhase);
        assertThat(seen).hasSize(2 * perPhase);
        assertThat(seen.values()).as("each call id exactly once").containsOnly(1);
        for (int i = 0; i < 2 * perPhase; i++) {
            assertThat(seen).containsKey("it-call-" + i);
        }
    }

    @Test
    void anEventThatCannotBeEncodedIsDroppedAndCountedAndTheHundredAfterItAllArrive() throws Exception {
        broker.createTopics(2, List.of("unencodable.calls", "unencodable.outcomes"));
        try (TokenwatchClient client = TokenwatchClient.builder().bootstrapServers(broker.bootstrapServers()).schemaRegistryUrl(REGISTRY)
                .callsTopic("unencodable.calls").outcomesTopic("unencodable.outcomes")
                .spillDirectory(Files.createTempDirectory("tw-spill-unencodable")).build()) {
            // 7e15 output tokens at $15 a million: $105,000,000,000, 21 digits with the 9 decimals, more than the schema's decimal(20, 9) holds.
            client.recordCall(CallReport.of("code-review", "claude-sonnet-4-5-20250929", new TokenUsage(0, 7_000_000_000_000_000L, 0, 0, 0, 0))
                    .callId("too-costly").timestamp(Instant.now()));
            for (int i = 0; i < 100; i++) {
                client.recordCall(report(i));
            }
            await("the hundred sent", () -> client.counts().sent() == 100);
            assertThat(client.counts().unencodable()).isEqualTo(1);
            assertThat(client.counts().dropped()).isEqualTo(1);
            assertThat(client.counts().spilled()).as("nothing spilled: Kafka was fine all along").isZero();
            assertThat(client.counts().failed()).isZero();
        }
        Map<String, Integer> seen = consumeCallIds("unencodable.calls", 100);
        assertThat(seen).hasSize(100).doesNotContainKey("too-costly");
        assertThat(seen.values()).as("each call id exactly once").containsOnly(1);
    }

    private static CallReport report(int i) {
        return CallReport.of("code-review", "claude-sonnet-4-5-20250929", new TokenUsage(12_000, 600, 8_000, 1_000, 0, 0))
                .callId("it-call-" + i).latencyMs(1_200).timestamp(Instant.now());
    }

    private static Map<String, Integer> consumeCallIds(String topic, int expected) {
        Map<String, Object> props = new HashMap<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "producer-it-" + topic, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                "schema.registry.url", REGISTRY, "specific.avro.reader", "true"));
        Map<String, Integer> seen = new HashMap<>();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(props, new StringDeserializer(), deserializer(props))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            int total = 0;
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, Object> r : consumer.poll(Duration.ofMillis(500))) {
                    LlmCall call = (LlmCall) r.value();
                    assertThat(call.getCostUsd()).isEqualByComparingTo("0.02415");
                    seen.merge(call.getCallId(), 1, Integer::sum);
                    total++;
                }
                if (total >= expected) {
                    // One more poll proves nothing beyond the expected count follows.
                    for (ConsumerRecord<String, Object> r : consumer.poll(Duration.ofSeconds(2))) {
                        seen.merge(((LlmCall) r.value()).getCallId(), 1, Integer::sum);
                    }
                    break;
                }
            }
        }
        return seen;
    }

    private static KafkaAvroDeserializer deserializer(Map<String, Object> props) {
        KafkaAvroDeserializer d = new KafkaAvroDeserializer();
        d.configure(props, false);
        return d;
    }

    /** Waits for {@code condition} (two minutes at most, then fails naming {@code what}). */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out waiting for: " + what);
            }
            Thread.sleep(50);
        }
    }
}
