package io.tokenwatch.bench;

import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.producer.CallReport;
import io.tokenwatch.producer.TokenUsage;
import io.tokenwatch.producer.TokenwatchClient;
import io.tokenwatch.serde.KafkaAvroSerializer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Files;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * producer-lib vs a raw KafkaProducer sending the same Avro calls to the same broker, in one run, and
 * the caller-thread latency of {@code recordCall}. Usage:
 * {@code java -Xmx2g -cp benchmarks.jar io.tokenwatch.bench.ProducerBenchmark [calls]}.
 */
public final class ProducerBenchmark {
    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.onFreePorts().start()) {
            broker.createTopics(4, List.of("llm.calls.v1", "raw.calls"));
            for (int round = 1; round <= 2; round++) {
                double raw = raw(broker, calls);
                double[] lib = lib(broker, calls);
                System.out.printf("round %d: raw KafkaProducer %,9.0f calls/s; producer-lib %,9.0f calls/s = %.2f x raw; "
                        + "recordCall on the caller's thread p50 %.1f us, p99 %.1f us, max %.0f us%n", round, raw, lib[0], lib[0] / raw, lib[1], lib[2], lib[3]);
            }
        }
    }

    /** Same settings as producer-lib's defaults (idempotent, acks=all, lz4, linger 20 ms), records built in advance. */
    private static double raw(EmbeddedKafkaBroker broker, int calls) {
        Map<String, Object> props = new HashMap<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4", "schema.registry.url", "mock://bench-producer"));
        KafkaAvroSerializer values = new KafkaAvroSerializer();
        values.configure(props, false);
        LlmCall[] records = new LlmCall[calls];
        for (int i = 0; i < calls; i++) {
            records[i] = BenchSupport.call(i, calls, 100);
        }
        long start = System.nanoTime();
        try (KafkaProducer<String, Object> producer = new KafkaProducer<>(props, new StringSerializer(), values)) {
            for (LlmCall call : records) {
                producer.send(new ProducerRecord<>("raw.calls", null, call.getTimestamp().toEpochMilli(), call.getCallId(), call));
            }
            producer.flush();
        }
        return calls / ((System.nanoTime() - start) / 1e9);
    }

    /** Returns {calls/s until every call is acknowledged, p50 us, p99 us, max us} of recordCall. */
    private static double[] lib(EmbeddedKafkaBroker broker, int calls) throws Exception {
        long[] latency = new long[calls];
        long start = System.nanoTime();
        try (TokenwatchClient client = TokenwatchClient.builder().bootstrapServers(broker.bootstrapServers())
                .schemaRegistryUrl("mock://bench-producer").spillDirectory(Files.createTempDirectory("bench-spill"))
                .queueCapacity(100_000).build()) {
            for (int i = 0; i < calls; i++) {
                CallReport report = CallReport.of("task-" + (i % 100), "claude-sonnet-4-5", new TokenUsage(10_000 + i % 5_000, 800, 6_000, 500, 0, 0))
                        .latencyMs(2_000).toolCalls(i % 3);
                long t = System.nanoTime();
                client.recordCall(report);
                latency[i] = System.nanoTime() - t;
                while (client.queued() > 90_000) {
                    Thread.onSpinWait(); // keep the comparison about throughput, not about the spill file
                }
            }
            while (client.counts().sent() + client.counts().spilled() < calls) {
                Thread.sleep(1);
            }
            double rate = calls / ((System.nanoTime() - start) / 1e9);
            if (client.counts().spilled() > 0) {
                System.out.printf("  (%,d calls spilled)%n", client.counts().spilled());
            }
            Arrays.sort(latency);
            return new double[]{rate, latency[calls / 2] / 1e3, latency[(int) (calls * 0.99)] / 1e3, latency[calls - 1] / 1e3};
        }
    }
}
