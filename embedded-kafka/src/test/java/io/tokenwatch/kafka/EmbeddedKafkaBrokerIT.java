package io.tokenwatch.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EmbeddedKafkaBrokerIT {

    @Test
    void servesProduceAndConsumeAndKeepsDataAcrossARestart() throws Exception {
        Path dataDir;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.onFreePorts().start()) {
            dataDir = broker.dataDir();
            broker.createTopics(2, List.of("t"));
            produce(broker, "a", "b", "c");
            broker.stop();
            broker.start();
            produce(broker, "d");
            assertThat(consumeAll(broker, 4)).containsExactlyInAnyOrder("a", "b", "c", "d");
        }
        assertThat(Files.exists(dataDir)).isFalse();
    }

    @Test
    void aNewBrokerOnTheSameDataDirectoryServesTheSameCluster() throws Exception {
        Path dataDir = Files.createTempDirectory("tw-kafka-kept");
        try (EmbeddedKafkaBroker first = EmbeddedKafkaBroker.create(dataDir, 0, Map.of()).start()) {
            first.createTopics(2, List.of("t"));
            produce(first, "a", "b");
        }
        assertThat(Files.exists(dataDir.resolve("logs"))).as("a given data directory is kept").isTrue();
        try (EmbeddedKafkaBroker second = EmbeddedKafkaBroker.create(dataDir, 0, Map.of()).start()) {
            produce(second, "c");
            assertThat(consumeAll(second, 3)).containsExactlyInAnyOrder("a", "b", "c");
        } finally {
            try (var files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static void produce(EmbeddedKafkaBroker broker, String... values) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            for (String v : values) {
                producer.send(new ProducerRecord<>("t", v, v)).get();
            }
        }
    }

    private static List<String> consumeAll(EmbeddedKafkaBroker broker, int expected) {
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "it", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("t"));
            long deadline = System.currentTimeMillis() + 60_000;
            while (seen.size() < expected && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(r.value());
                }
            }
        }
        return seen;
    }
}
