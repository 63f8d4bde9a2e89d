package io.tokenwatch.bench;

import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.streams.app.TokenwatchApp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The full anomaly topology vs a plain consume-produce passthrough, on the same pre-loaded events,
 * broker and run, with the state it ends with (on disk, RocksDB memory, heap) per task group. Usage:
 * {@code java -Xmx2g -cp benchmarks.jar io.tokenwatch.bench.PipelineBenchmark [calls] [groups] [eos|alos|both] [key=value ...]}
 * (settings for the topology's run, e.g. {@code num.stream.threads=2}).
 */
public final class PipelineBenchmark {
    public static void main(String[] args) throws Exception {
        long calls = args.length > 0 ? Long.parseLong(args[0]) : 500_000;
        int groups = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        String which = args.length > 2 ? args[2] : "both";
        Map<String, String> overrides = BenchSupport.settings(args, 3);
        List<String> guarantees = switch (which) {
            case "eos" -> List.of(StreamsConfig.EXACTLY_ONCE_V2);
            case "alos" -> List.of(StreamsConfig.AT_LEAST_ONCE);
            default -> List.of(StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE);
        };
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.onFreePorts().start()) {
            broker.createTopics(4, List.of("llm.calls.v1", "llm.outcomes.v1", "passthrough.out"));
            long events = preload(broker, calls, groups);
            System.out.printf("Pre-loaded %,d events (%,d calls, %,d outcomes) over %,d task groups%n", events, calls, events - calls, groups);

            double passthrough = events / passthrough(broker, "passthrough-eos", StreamsConfig.EXACTLY_ONCE_V2);
            System.out.printf("passthrough  exactly_once_v2: %,10.0f events/s%n", passthrough);
            for (String guarantee : guarantees) {
                Path state = Files.createTempDirectory("bench-state");
                String appId = "tokenwatch-bench-" + guarantee;
                Map<String, String> settings = new HashMap<>(Map.of("bootstrap.servers", broker.bootstrapServers(),
                        "schema.registry.url", "mock://bench", "application.id", appId, "state.dir", state.toString(),
                        "processing.guarantee", guarantee, "tokenwatch.dimensions", "task,team,model"));
                settings.putAll(overrides);
                TokenwatchConfig config = TokenwatchConfig.of(settings);
                BenchSupport.TopicRecords before = BenchSupport.TopicRecords.of(broker);
                long start = System.nanoTime();
                double seconds;
                BenchSupport.Memory memory;
                try (TokenwatchApp app = TokenwatchApp.start(config)) {
                    seconds = BenchSupport.awaitDrained(broker, appId, start, "topology " + guarantee, app.streams());
                    memory = BenchSupport.Memory.of(app.streams());
                }
                double rate = events / seconds;
                long stateBytes = directorySize(state);
                System.out.printf("topology     %-15s: %,10.0f events/s  = %.2f x passthrough(eos); state on disk %,d bytes = %,d bytes per task group; %s%n",
                        guarantee, rate, rate / passthrough, stateBytes, stateBytes / groups, memory.perGroup(groups));
                System.out.println("  " + BenchSupport.TopicRecords.of(broker).writtenPerEvent(before, appId, Set.copyOf(config.outputTopics()), events));
            }
        }
    }

    private static long preload(EmbeddedKafkaBroker broker, long calls, int groups) {
        long events = 0;
        try (KafkaProducer<String, Object> producer = BenchSupport.preloadProducer(broker, "mock://bench")) {
            for (long i = 0; i < calls; i++) {
                LlmCall call = BenchSupport.call(i, calls, groups);
                producer.send(new ProducerRecord<>("llm.calls.v1", null, call.getTimestamp().toEpochMilli(), call.getCallId(), call));
                events++;
                if (i % 10 < 9) {
                    var outcome = BenchSupport.outcome(call, i);
                    producer.send(new ProducerRecord<>("llm.outcomes.v1", null, outcome.getDecidedAt().toEpochMilli(), call.getCallId(), outcome));
                    events++;
                }
            }
        }
        return events;
    }

    /** Consumes both input topics as bytes and produces them unchanged: the ceiling for any Streams app here. */
    private static double passthrough(EmbeddedKafkaBroker broker, String appId, String guarantee) throws Exception {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(List.of("llm.calls.v1", "llm.outcomes.v1"), Consumed.with(Serdes.Bytes(), Serdes.Bytes()))
                .mapValues(v -> v).to("passthrough.out", Produced.with(Serdes.Bytes(), Serdes.Bytes()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("bench-pass").toString());
        props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        long start = System.nanoTime();
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
            streams.start();
            return BenchSupport.awaitDrained(broker, appId, start, "passthrough");
        }
    }

    private static long directorySize(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
