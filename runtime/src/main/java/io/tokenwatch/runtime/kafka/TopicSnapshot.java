package io.tokenwatch.runtime.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads a topic from its beginning to its end as it was when reading began (a compacted topic's
 * current state), committed records only, without a consumer group: the report's window stats, the
 * notifier's ledger.
 */
public final class TopicSnapshot {
    /** Called after each poll: offsets passed so far of those there were when reading began (transaction markers take offsets too). */
    public interface Progress {
        void read(long done, long total);
    }

    private TopicSnapshot() {
    }

    /**
     * Hands every record to {@code each}, in partition order; false, reading nothing, when the topic
     * does not exist. Fails when not done within {@code timeout}.
     */
    public static boolean read(Map<String, Object> consumerSettings, String topic, Duration timeout, Consumer<ConsumerRecord<byte[], byte[]>> each,
                               Progress progress) {
        Map<String, Object> props = new HashMap<>(consumerSettings);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            if (partitions.isEmpty()) {
                return false;
            }
            consumer.assign(partitions);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, timeout);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long total = partitions.stream().mapToLong(tp -> end.get(tp) - begin.get(tp)).sum();
            consumer.seekToBeginning(partitions);
            Instant deadline = Instant.now().plus(timeout);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("Could not read " + topic + " to its end within " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.offset() < end.get(new TopicPartition(record.topic(), record.partition()))) { // later ones came after reading began
                        each.accept(record);
                    }
                }
                progress.read(partitions.stream().mapToLong(tp -> Math.min(consumer.position(tp), end.get(tp)) - begin.get(tp)).sum(), total);
            }
        }
        return true;
    }
}
