package io.tokenwatch.streams.api;

import io.tokenwatch.runtime.kafka.OutputTopicConsumer;
import io.tokenwatch.streams.errors.SchemaRegistryOutage;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The latest value of each key of a compacted output topic, followed from its beginning in the
 * background by every API instance (so the answer needs no fan-out), keeping the newest
 * {@code capacity} by {@code age}.
 */
final class TopicFollower<V> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TopicFollower.class);
    private static final Duration REGISTRY_RETRY = Duration.ofSeconds(2);

    private final Map<String, V> byKey = new ConcurrentHashMap<>();
    private final Class<V> type;
    private final Function<V, String> key;
    private final Comparator<V> age;
    private final int capacity;
    private final KafkaConsumer<String, Object> consumer;
    private final Thread reader;
    private volatile boolean running = true;
    /** Records skipped as unreadable (read by the follower thread only). */
    private long unreadable;

    TopicFollower(Map<String, ?> kafkaSettings, String topic, Class<V> type, Function<V, String> key, Comparator<V> age, int capacity) {
        this.type = type;
        this.key = key;
        this.age = age;
        this.capacity = capacity;
        Map<String, Object> props = new HashMap<>(kafkaSettings);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        consumer = OutputTopicConsumer.create(props);
        reader = new Thread(() -> read(topic), "tokenwatch-follow-" + topic);
        reader.setDaemon(true);
        reader.start();
    }

    private void read(String topic) {
        try {
            List<TopicPartition> partitions = List.of();
            while (running && partitions.isEmpty()) {
                partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (running) {
                ConsumerRecords<String, Object> records;
                try {
                    records = consumer.poll(Duration.ofSeconds(1));
                } catch (RecordDeserializationException e) {
                    skipOrWait(e);
                    continue;
                }
                for (ConsumerRecord<String, Object> record : records) {
                    if (type.isInstance(record.value())) {
                        V value = type.cast(record.value());
                        byKey.put(key.apply(value), value);
                    }
                }
                trim();
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("Following {} failed; the API's view of it stops updating", topic, e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * A record that cannot be read is skipped (the pipeline dead-letters such records; here it only goes
     * unshown); a registry that is down or says no is waited for, and the record read again.
     */
    private void skipOrWait(RecordDeserializationException e) {
        if (SchemaRegistryOutage.isOutage(e)) {
            LOG.warn("Schema registry unavailable while following {}; trying again in {} ({})", e.topicPartition(), REGISTRY_RETRY, e.getMessage());
            try {
                Thread.sleep(REGISTRY_RETRY.toMillis());
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                running = false;
            }
            return;
        }
        if (Long.bitCount(++unreadable) == 1) {
            LOG.warn("Skipped an unreadable record of {} at offset {} ({} so far): {}", e.topicPartition(), e.offset(), unreadable, e.getMessage());
        }
        consumer.seek(e.topicPartition(), e.offset() + 1);
    }

    private void trim() {
        if (byKey.size() > capacity) {
            byKey.values().stream().sorted(age).limit(byKey.size() - capacity).toList().forEach(v -> byKey.remove(key.apply(v)));
        }
    }

    /** Newest first. */
    List<V> newest(int limit) {
        return byKey.values().stream().sorted(age.reversed()).limit(limit).toList();
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            reader.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
