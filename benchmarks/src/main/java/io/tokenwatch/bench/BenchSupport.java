package io.tokenwatch.bench;

import io.tokenwatch.events.v1.CallOutcome;
import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.Outcome;
import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.streams.app.ConsumerGroupLag;
import io.tokenwatch.serde.KafkaAvroSerializer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** Shared pieces of the end-to-end benchmarks: synthetic events and consumer-group lag. */
final class BenchSupport {
    static final Instant START = Instant.now().minus(Duration.ofDays(8)).truncatedTo(java.time.temporal.ChronoUnit.HOURS);

    private BenchSupport() {
    }

    /** Call {@code i} of a spread of {@code groups} tasks over 7 days of event time. */
    static LlmCall call(long i, long total, int groups) {
        long ts = START.toEpochMilli() + (i * Duration.ofDays(7).toMillis()) / total;
        return LlmCall.newBuilder().setCallId("bench-" + i).setTimestamp(Instant.ofEpochMilli(ts)).setProvider("anthropic")
                .setModel(i % 3 == 0 ? "claude-haiku-4-5" : "claude-sonnet-4-5").setTask("task-" + (i % groups))
                .setTeam("team-" + (i % 20)).setFeature("feature-" + (i % 50)).setSessionId("session-" + (i / 8))
                .setInputTokens(10_000 + i % 5_000).setOutputTokens(800).setCacheReadTokens(6_000).setCacheWriteTokens(500)
                .setCostUsd(new BigDecimal("0.021450000")).setLatencyMs(2_000 + i % 500).setRetryCount(i % 25 == 0 ? 1 : 0)
                .setToolCalls((int) (i % 3)).build();
    }

    static CallOutcome outcome(LlmCall call, long i) {
        return CallOutcome.newBuilder().setCallId(call.getCallId()).setOutcome(i % 10 < 8 ? Outcome.ACCEPTED : Outcome.REJECTED)
                .setDecidedAt(call.getTimestamp().plusSeconds(120)).setDecidedBy("ci").build();
    }

    /** A producer of Avro values for pre-loading input topics fast (batched, compressed). */
    static KafkaProducer<String, Object> preloadProducer(EmbeddedKafkaBroker broker, String registryUrl) {
        Map<String, Object> props = new HashMap<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024, ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                "schema.registry.url", registryUrl));
        KafkaAvroSerializer values = new KafkaAvroSerializer();
        values.configure(props, false);
        return new KafkaProducer<>(props, new StringSerializer(), values);
    }

    /** Memory the app holds once drained: RocksDB memtables, block cache and table readers (off heap), and live heap after a GC. */
    record Memory(long rocksDbBytes, long heapBytes) {
        static Memory of(KafkaStreams streams) {
            long rocks = 0;
            for (var entry : streams.metrics().entrySet()) {
                String name = entry.getKey().name();
                if (name.equals("size-all-mem-tables") || name.equals("block-cache-usage") || name.equals("estimate-table-readers-mem")) {
                    Object value = entry.getValue().metricValue();
                    rocks += value instanceof Number n ? n.longValue() : 0;
                }
            }
            System.gc();
            Runtime rt = Runtime.getRuntime();
            return new Memory(rocks, rt.totalMemory() - rt.freeMemory());
        }

        String perGroup(int groups) {
            return String.format("RocksDB memory %,d bytes = %,d per group (block cache shared), heap after GC %,d bytes = %,d per group",
                    rocksDbBytes, rocksDbBytes / groups, heapBytes, heapBytes / groups);
        }
    }

    /** The {@code key=value} arguments from index {@code from} on: settings for the app a benchmark runs. */
    static Map<String, String> settings(String[] args, int from) {
        Map<String, String> settings = new HashMap<>();
        for (int i = from; i < args.length; i++) {
            settings.put(args[i].substring(0, args[i].indexOf('=')), args[i].substring(args[i].indexOf('=') + 1));
        }
        return settings;
    }

    /** Kafka Streams' own account of its threads' time (KIP-444 ratios, averaged over threads): where a slow topology waits. */
    static String timeShares(KafkaStreams streams) {
        Map<String, double[]> sums = new java.util.TreeMap<>();
        streams.metrics().forEach((name, metric) -> {
            if (name.group().equals("stream-thread-metrics") && name.name().endsWith("-ratio") && metric.metricValue() instanceof Double v && !v.isNaN()) {
                double[] sum = sums.computeIfAbsent(name.name().replace("-ratio", ""), k -> new double[2]);
                sum[0] += v;
                sum[1]++;
            }
        });
        StringBuilder text = new StringBuilder();
        sums.forEach((what, sum) -> text.append(String.format("%s %.0f%% ", what, 100 * sum[0] / sum[1])));
        return text.toString().trim();
    }

    /**
     * Records in every topic, by end offset (control records of transactions included, a fraction of
     * a percent here): taken before and after a run, their difference is what the run wrote.
     */
    record TopicRecords(Map<String, Long> endOffsets) {
        static TopicRecords of(EmbeddedKafkaBroker broker) throws Exception {
            try (Admin admin = broker.admin()) {
                var topics = admin.describeTopics(admin.listTopics().names().get()).allTopicNames().get();
                Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
                topics.values().forEach(t -> t.partitions().forEach(p ->
                        latest.put(new org.apache.kafka.common.TopicPartition(t.name(), p.partition()), org.apache.kafka.clients.admin.OffsetSpec.latest())));
                Map<String, Long> ends = new java.util.TreeMap<>();
                admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.merge(tp.topic(), info.offset(), Long::sum));
                return new TopicRecords(ends);
            }
        }

        /** Records written since {@code before} per input event, by kind: repartition, changelog, output topics of {@code appId}. */
        String writtenPerEvent(TopicRecords before, String appId, java.util.Set<String> outputs, long events) {
            Map<String, Long> byKind = new java.util.TreeMap<>();
            Map<String, Long> byTopic = new java.util.TreeMap<>();
            endOffsets.forEach((topic, end) -> {
                long written = end - before.endOffsets.getOrDefault(topic, 0L);
                String kind = !topic.startsWith(appId + "-") ? (outputs.contains(topic) ? "output" : null)
                        : topic.endsWith("-repartition") ? "repartition" : topic.endsWith("-changelog") ? "changelog" : null;
                if (kind != null && written > 0) {
                    byKind.merge(kind, written, Long::sum);
                    byTopic.put(topic.startsWith(appId + "-") ? topic.substring(appId.length() + 1) : topic, written);
                }
            });
            long total = byKind.values().stream().mapToLong(Long::longValue).sum();
            StringBuilder text = new StringBuilder(String.format("records written per input event: %.2f (", (double) total / events));
            byKind.forEach((kind, n) -> text.append(String.format("%s %.2f ", kind, (double) n / events)));
            text.setLength(text.length() - 1);
            text.append(")");
            byTopic.forEach((topic, n) -> text.append(String.format("%n    %-70s %.3f", topic, (double) n / events)));
            return text.toString();
        }
    }

    /** Waits until {@code groupId} has processed everything (see {@link ConsumerGroupLag#awaitDrained}); returns the seconds it took from {@code startNanos}. */
    static double awaitDrained(EmbeddedKafkaBroker broker, String groupId, long startNanos, String label) throws Exception {
        return awaitDrained(broker, groupId, startNanos, label, null);
    }

    /** As above, printing how the stream threads of {@code streams} (when given) spend their time with each progress line. */
    static double awaitDrained(EmbeddedKafkaBroker broker, String groupId, long startNanos, String label, KafkaStreams streams) throws Exception {
        try (Admin admin = broker.admin()) {
            long[] lastPrint = {0};
            ConsumerGroupLag.awaitDrained(admin, groupId, Long.MAX_VALUE / 2, lag -> {
                if (System.nanoTime() - lastPrint[0] > 5e9) {
                    System.out.printf("  %s: %s records to go%s%n", label, lag.started() ? String.format("%,d", lag.lag()) : "(starting)",
                            streams == null ? "" : "; stream threads " + timeShares(streams));
                    lastPrint[0] = System.nanoTime();
                }
            });
            return (System.nanoTime() - startNanos) / 1e9;
        }
    }
}
