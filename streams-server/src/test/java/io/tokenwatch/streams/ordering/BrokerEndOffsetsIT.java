package io.tokenwatch.streams.ordering;

import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A join input counts as read to the end only against what the broker holds, asked of the broker itself. */
class BrokerEndOffsetsIT {
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void start() {
        broker = EmbeddedKafkaBroker.onFreePorts().start();
        broker.createTopics(2, List.of("calls", "outcomes"));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void caughtUpOnlyAtTheBrokersEndFromTheTasksOffsetOrElseTheCommittedOrFirstOne() throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new StringSerializer(), new StringSerializer());
             BrokerEndOffsets lag = new BrokerEndOffsets(broker.admin(), "end-offsets-it", List.of("calls", "outcomes"), 2)) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>("calls", 0, "k" + i, "v")).get();
            }
            // Partition 0 of calls holds offsets 0..4; partition 1 and the outcomes are empty.
            // Until the end offset 5 is known: an older refresh (end 4, taken while the records were being sent) also says 5 is caught up.
            await().atMost(Duration.ofSeconds(30)).until(() -> lag.caughtUp("calls", 0, 5) && !lag.caughtUp("calls", 0, 3));
            assertThat(lag.caughtUp("calls", 0, 3)).as("two records still on the broker").isFalse();
            assertThat(lag.caughtUp("calls", 0, 4)).as("one offset short: taken for a transaction's commit marker").isTrue();
            assertThat(lag.caughtUp("calls", 1, -1)).as("empty, nothing committed: at its first offset, which is its end").isTrue();
            assertThat(lag.caughtUp("outcomes", 0, -1)).isTrue();
            assertThat(lag.caughtUp("calls", 0, -1)).as("nothing read since init, nothing committed: at offset 0 of 5").isFalse();

            try (var admin = broker.admin()) {
                admin.alterConsumerGroupOffsets("end-offsets-it", Map.of(new TopicPartition("calls", 0), new OffsetAndMetadata(5))).all().get();
            }
            await().atMost(Duration.ofSeconds(30)).alias("the committed offset, asked every second").until(() -> lag.caughtUp("calls", 0, -1));

            producer.send(new ProducerRecord<>("calls", 0, "k5", "v")).get();
            producer.send(new ProducerRecord<>("calls", 0, "k6", "v")).get();
            await().atMost(Duration.ofSeconds(30)).alias("new records on the broker").until(() -> !lag.caughtUp("calls", 0, 5));
            assertThat(lag.caughtUp("calls", 0, 7)).isTrue();
            // One offset of slack: after a transactional writer's last record comes its commit marker, which no task reads.
            assertThat(lag.caughtUp("calls", 0, 6)).isTrue();
        }
    }
}
