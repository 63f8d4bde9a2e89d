package io.tokenwatch.bench;

import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.streams.app.TokenwatchApp;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.StreamsConfig;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Recovery: the app restarts on an empty state directory after 7 days of baselines for many groups
 * and must restore its stores from the changelogs. Compared, in the same run on the same broker,
 * with the ceiling: a plain consumer reading the same changelog topics end to end as bytes. Usage:
 * {@code java -Xmx2g -cp benchmarks.jar io.tokenwatch.bench.RecoveryBenchmark [groups] [hours] [key=value settings of the restoring run ...]}.
 */
public final class RecoveryBenchmark {
    private static final String APP_ID = "tokenwatch-recovery";

    public static void main(String[] args) throws Exception {
        int groups = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int hours = args.length > 1 ? Integer.parseInt(args[1]) : 168;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.onFreePorts().start()) {
            broker.createTopics(4, List.of("llm.calls.v1", "llm.outcomes.v1"));
            long calls = preload(broker, "mock://recovery", groups, hours);
            System.out.printf("Pre-loaded %,d calls: one per group per hour, %,d groups, %d hours%n", calls, groups, hours);

            Map<String, String> settings = new HashMap<>(Map.of("bootstrap.servers", broker.bootstrapServers(), "schema.registry.url", "mock://recovery",
                    "application.id", APP_ID, "processing.guarantee", StreamsConfig.AT_LEAST_ONCE, "tokenwatch.dimensions", "task"));
            settings.put("state.dir", Files.createTempDirectory("recovery-build").toString());
            long start = System.nanoTime();
            try (TokenwatchApp app = TokenwatchApp.start(TokenwatchConfig.of(settings))) {
                double seconds = BenchSupport.awaitDrained(broker, APP_ID, start, "building state");
                System.out.printf("State built: %,.0f calls/s (at_least_once)%n", calls / seconds);
            }

            List<String> changelogs;
            try (Admin admin = broker.admin()) {
                changelogs = admin.listTopics().names().get().stream().filter(t -> t.startsWith(APP_ID) && t.endsWith("-changelog")).sorted().toList();
            }
            long rawStart = System.nanoTime();
            long[] read = readAll(broker, changelogs);
            double rawSeconds = (System.nanoTime() - rawStart) / 1e9;
            System.out.printf("Ceiling: plain consumer read %,d changelog records (%,d bytes) of %d topics in %.1f s%n", read[0], read[1], changelogs.size(), rawSeconds);

            Path empty = Files.createTempDirectory("recovery-restore");
            settings.put("state.dir", empty.toString());
            settings.putAll(BenchSupport.settings(args, 2)); // the restoring run's own settings
            long restoreStart = System.nanoTime();
            try (TokenwatchApp app = TokenwatchApp.start(TokenwatchConfig.of(settings))) {
                if (!app.awaitRunning(Duration.ofMinutes(30))) {
                    throw new IllegalStateException("not RUNNING after 30 minutes");
                }
                double restoreSeconds = (System.nanoTime() - restoreStart) / 1e9;
                System.out.printf("Restore on an empty state dir: RUNNING after %.1f s = %.2f x the plain read (%,d groups, %d hours of windows)%n",
                        restoreSeconds, restoreSeconds / rawSeconds, groups, hours);
            }
        }
    }

    /** One call per group per hour, {@code hours} hours of {@code groups} tasks. */
    private static long preload(EmbeddedKafkaBroker broker, String registryUrl, int groups, int hours) {
        long calls = 0;
        try (KafkaProducer<String, Object> producer = BenchSupport.preloadProducer(broker, registryUrl)) {
            for (int h = 0; h < hours; h++) {
                for (int g = 0; g < groups; g++) {
                    Instant at = BenchSupport.START.plus(Duration.ofHours(h)).plusMillis(g * (3_600_000L / groups));
                    String id = "r-" + h + "-" + g;
                    LlmCall call = LlmCall.newBuilder().setCallId(id).setTimestamp(at).setProvider("anthropic").setModel("claude-sonnet-4-5")
                            .setTask("task-" + g).setInputTokens(10_000 + g % 5_000).setOutputTokens(800).setCacheReadTokens(6_000)
                            .setCostUsd(new BigDecimal("0.021450000")).setLatencyMs(2_000 + g % 500).build();
                    producer.send(new ProducerRecord<>("llm.calls.v1", null, at.toEpochMilli(), id, call));
                    calls++;
                }
            }
        }
        return calls;
    }

    /** Reads every partition of {@code topics} from the start to the end offsets; returns records and bytes. */
    private static long[] readAll(EmbeddedKafkaBroker broker, List<String> topics) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        long records = 0;
        long bytes = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = topics.stream().flatMap(t -> consumer.partitionsFor(t).stream().map(p -> new TopicPartition(t, p.partition()))).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    records++;
                    bytes += (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
                }
            }
        }
        return new long[]{records, bytes};
    }
}
