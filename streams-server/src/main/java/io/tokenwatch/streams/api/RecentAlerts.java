package io.tokenwatch.streams.api;

import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.streams.app.OutputTopicConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest state of recent alert episodes, read from the (compacted) alerts topic by every API
 * instance, so {@code /api/alerts} needs no fan-out. Keeps the newest {@code capacity} episodes.
 */
public final class RecentAlerts implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RecentAlerts.class);

    private final Map<String, AnomalyAlert> byId = new ConcurrentHashMap<>();
    private final int capacity;
    private final KafkaConsumer<String, Object> consumer;
    private final Thread reader;
    private volatile boolean running = true;

    public RecentAlerts(Map<String, ?> kafkaSettings, String alertsTopic, int capacity) {
        this.capacity = capacity;
        Map<String, Object> props = new HashMap<>(kafkaSettings);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        consumer = OutputTopicConsumer.create(props);
        reader = new Thread(() -> read(alertsTopic), "tokenwatch-recent-alerts");
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
                for (ConsumerRecord<String, Object> record : consumer.poll(Duration.ofSeconds(1))) {
                    if (record.value() instanceof AnomalyAlert alert) {
                        byId.put(alert.getAlertId(), alert);
                    }
                }
                trim();
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("Reading recent alerts from {} failed; /api/alerts stops updating", topic, e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void trim() {
        if (byId.size() > capacity) {
            byId.values().stream().sorted(Comparator.comparing(AnomalyAlert::getUpdatedAt)).limit(byId.size() - capacity).toList()
                    .forEach(a -> byId.remove(a.getAlertId()));
        }
    }

    /** Newest first. */
    public List<AnomalyAlert> latest(int limit) {
        return byId.values().stream().sorted(Comparator.comparing(AnomalyAlert::getUpdatedAt).reversed()).limit(limit).toList();
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
