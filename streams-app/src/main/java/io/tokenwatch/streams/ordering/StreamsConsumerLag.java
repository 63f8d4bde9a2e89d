package io.tokenwatch.streams.ordering;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@link InputLag} from the {@code records-lag} metric of Kafka Streams' own consumers: lag 0 means
 * the last fetch reached the end of the partition (the last stable offset under exactly-once). Read
 * at most every 100 ms and shared by every task of the instance.
 */
public final class StreamsConsumerLag implements InputLag {
    private static final long REFRESH_MS = 100;

    private final AtomicReference<KafkaStreams> streams = new AtomicReference<>();
    private volatile Map<String, Double> lagByPartition = Map.of();
    private volatile long readAt;

    /** Set once the instance exists (the topology is built before it). */
    public void attach(KafkaStreams instance) {
        streams.set(instance);
    }

    @Override
    public boolean caughtUp(String topic, int partition) {
        long now = System.currentTimeMillis();
        if (now - readAt >= REFRESH_MS) {
            refresh(now);
        }
        Double lag = lagByPartition.get(key(topic, partition));
        return lag != null && lag == 0.0;
    }

    private synchronized void refresh(long now) {
        KafkaStreams instance = streams.get();
        if (instance == null || now - readAt < REFRESH_MS) {
            return;
        }
        Map<String, Double> lags = new HashMap<>();
        for (Map.Entry<MetricName, ? extends Metric> e : instance.metrics().entrySet()) {
            MetricName name = e.getKey();
            if (name.name().equals("records-lag") && name.group().equals("consumer-fetch-manager-metrics")
                    && name.tags().containsKey("partition") && !name.tags().getOrDefault("client-id", "").endsWith("restore-consumer")) {
                Object value = e.getValue().metricValue();
                if (value instanceof Double lag && !lag.isNaN()) {
                    lags.put(key(name.tags().get("topic"), Integer.parseInt(name.tags().get("partition"))), lag);
                }
            }
        }
        lagByPartition = lags;
        readAt = now;
    }

    /** Consumer metrics tag topics with dots replaced by underscores. */
    private static String key(String topic, int partition) {
        return topic.replace('.', '_') + "-" + partition;
    }
}
