package io.tokenwatch.bench;

import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.kafka.OutputTopicConsumer;
import io.tokenwatch.serde.KafkaAvroSerializer;
import io.tokenwatch.streams.app.TokenwatchApp;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Time from the producer sending the call that crosses the threshold to the alert being readable
 * (read_committed) on the alerts topic, at exactly-once, under steady background load. Usage:
 * {@code java -Xmx2g -cp benchmarks.jar io.tokenwatch.bench.DetectionDelayBenchmark [crossings] [background calls/s]}.
 */
public final class DetectionDelayBenchmark {
    public static void main(String[] args) throws Exception {
        int crossings = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int backgroundRate = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        Instant hour = Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.HOURS);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.onFreePorts().start()) {
            broker.createTopics(4, List.of("llm.calls.v1", "llm.outcomes.v1", "llm.alerts.v1"));
            Map<String, Object> props = new HashMap<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                    ProducerConfig.LINGER_MS_CONFIG, 0, "schema.registry.url", "mock://delay-bench"));
            KafkaAvroSerializer values = new KafkaAvroSerializer();
            values.configure(props, false);
            try (KafkaProducer<String, Object> producer = new KafkaProducer<>(props, new StringSerializer(), values)) {
                AtomicLong ids = new AtomicLong();
                // 7 days of 25 identical calls an hour for every crossing group and one background group.
                for (int h = 168; h >= 1; h--) {
                    for (int g = 0; g <= crossings; g++) {
                        for (int i = 0; i < 25; i++) {
                            send(producer, call(ids, "group-" + g, hour.minus(Duration.ofHours(h)).plusSeconds(i * 120L), 10_000));
                        }
                    }
                }
                // 19 anomalous calls per crossing group in the current hour: one short of the 20-call guard.
                for (int g = 1; g <= crossings; g++) {
                    for (int i = 0; i < 19; i++) {
                        send(producer, call(ids, "group-" + g, hour.plusSeconds(i), 30_000));
                    }
                }
                producer.flush();
                TokenwatchConfig config = TokenwatchConfig.of(Map.of("bootstrap.servers", broker.bootstrapServers(),
                        "schema.registry.url", "mock://delay-bench", "application.id", "delay-bench",
                        "state.dir", Files.createTempDirectory("delay-state").toString(), "tokenwatch.anomaly.metrics", "tokens_per_call"));
                try (TokenwatchApp app = TokenwatchApp.start(config);
                     KafkaConsumer<String, Object> alerts = alertReader(broker)) {
                    BenchSupport.awaitDrained(broker, "delay-bench", System.nanoTime(), "history");
                    AtomicBoolean running = new AtomicBoolean(true);
                    // Live traffic: event time goes on with the wall clock, from 10 minutes into the current window.
                    Instant liveFrom = hour.plusSeconds(600);
                    long liveStart = System.nanoTime();
                    Thread background = new Thread(() -> {
                        long sent = 0;
                        long start = System.nanoTime();
                        while (running.get()) {
                            send(producer, call(ids, "group-0", liveFrom.plusNanos(System.nanoTime() - liveStart), 10_000));
                            sent++;
                            long due = start + sent * 1_000_000_000L / backgroundRate;
                            while (System.nanoTime() < due) {
                                Thread.onSpinWait();
                            }
                        }
                    });
                    background.start();
                    Map<String, Long> sentAt = new ConcurrentHashMap<>();
                    List<Long> delays = new ArrayList<>();
                    for (int g = 1; g <= crossings; g++) {
                        sentAt.put("task|group-" + g, System.nanoTime());
                        send(producer, call(ids, "group-" + g, liveFrom.plusNanos(System.nanoTime() - liveStart), 30_000));
                        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                        while (delays.size() < g && System.nanoTime() < deadline) {
                            for (ConsumerRecord<String, Object> r : alerts.poll(Duration.ofMillis(5))) {
                                AnomalyAlert a = (AnomalyAlert) r.value();
                                Long t0 = sentAt.remove(a.getDimension() + "|" + a.getGroup());
                                if (t0 != null) {
                                    delays.add(System.nanoTime() - t0);
                                }
                            }
                        }
                    }
                    running.set(false);
                    background.join();
                    delays.sort(Long::compare);
                    System.out.printf("%d of %d crossings alerted under %,d background calls/s (exactly-once, commit.interval.ms 100): "
                                    + "p50 %d ms, p99 %d ms, max %d ms%n", delays.size(), crossings, backgroundRate,
                            delays.get(delays.size() / 2) / 1_000_000, delays.get((int) Math.min(delays.size() - 1, Math.ceil(delays.size() * 0.99) - 1)) / 1_000_000,
                            delays.get(delays.size() - 1) / 1_000_000);
                }
            }
        }
    }

    private static LlmCall call(AtomicLong ids, String task, Instant at, long inputTokens) {
        return LlmCall.newBuilder().setCallId("delay-" + ids.incrementAndGet()).setTimestamp(at).setProvider("anthropic")
                .setModel("claude-sonnet-4-5").setTask(task).setInputTokens(inputTokens).setOutputTokens(1_000)
                .setCostUsd(new java.math.BigDecimal("0.010000000")).setLatencyMs(1_000).build();
    }

    private static void send(KafkaProducer<String, Object> producer, LlmCall call) {
        producer.send(new ProducerRecord<>("llm.calls.v1", null, call.getTimestamp().toEpochMilli(), call.getCallId(), call));
    }

    private static KafkaConsumer<String, Object> alertReader(EmbeddedKafkaBroker broker) {
        KafkaConsumer<String, Object> consumer = OutputTopicConsumer.create(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG, "delay-reader", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                "schema.registry.url", "mock://delay-bench"));
        consumer.subscribe(List.of("llm.alerts.v1"));
        return consumer;
    }
}
