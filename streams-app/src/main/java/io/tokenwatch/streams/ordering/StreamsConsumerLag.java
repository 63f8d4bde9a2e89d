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
 * at most every 100 ms and shared by every task of the instance. Listing every metric of the
 * instance is costly, so the lag metric of each partition is looked up once and kept until the
 * partitions may have moved ({@link #partitionsMayHaveMoved}, on every state change); a partition
 * whose metric is not there yet (not fetched since it was assigned) is looked for again each second
 * and counts as not caught up meanwhile.
 */
public final class StreamsConsumerLag implements InputLag {
    private static final long REFRESH_MS = 100;
    private static final long REDISCOVER_MS = 1_000;

    private final AtomicReference<KafkaStreams> streams = new AtomicReference<>();
    private volatile Map<String, Metric> lagMetrics = Map.of();
    private volatile long discoveredAt = Long.MIN_VALUE / 2;
    private volatile Map<String, Double> lagByPartition = Map.of();
    private volatile long readAt = Long.MIN_VALUE / 2;

    /** Set once the instance exists (the topology is built before it). */
    public void attach(KafkaStreams instance) {
        streams.set(instance);
    }

    /** A rebalance may have revoked and assigned partitions: their metrics are looked up again. */
    public synchronized void partitionsMayHaveMoved() {
        lagMetrics = Map.of();
        lagByPartition = Map.of();
        discoveredAt = Long.MIN_VALUE / 2;
        readAt = Long.MIN_VALUE / 2;
    }

    @Override
    public boolean caughtUp(String topic, int partition) {
        long now = System.currentTimeMillis();
        String key = key(topic, partition);
        if (now - readAt >= REFRESH_MS || (!lagMetrics.containsKey(key) && now - discoveredAt >= REDISCOVER_MS)) {
            refresh(now, key);
        }
        Double lag = lagByPartition.get(key);
        return lag != null && lag == 0.0;
    }

    private synchronized void refresh(long now, String wanted) {
        KafkaStreams instance = streams.get();
        if (instance == null) {
            return;
        }
        if (!lagMetrics.containsKey(wanted) && now - discoveredAt >= REDISCOVER_MS) {
            lagMetrics = discover(instance);
            discoveredAt = now;
        }
        Map<String, Double> lags = new HashMap<>();
        lagMetrics.forEach((partition, metric) -> {
            if (metric.metricValue() instanceof Double lag && !lag.isNaN()) {
                lags.put(partition, lag);
            }
        });
        lagByPartition = lags;
        readAt = now;
    }

    /** The {@code records-lag} metric of each partition the instance's consumers read (restore consumers left out). */
    private static Map<String, Metric> discover(KafkaStreams instance) {
        Map<String, Metric> found = new HashMap<>();
        for (Map.Entry<MetricName, ? extends Metric> e : instance.metrics().entrySet()) {
            MetricName name = e.getKey();
            if (name.name().equals("records-lag") && name.group().equals("consumer-fetch-manager-metrics")
                    && name.tags().containsKey("partition") && !name.tags().getOrDefault("client-id", "").endsWith("restore-consumer")) {
                found.put(key(name.tags().get("topic"), Integer.parseInt(name.tags().get("partition"))), e.getValue());
            }
        }
        return found;
    }

    /** Consumer metrics tag topics with dots replaced by underscores. */
    private static String key(String topic, int partition) {
        return topic.replace('.', '_') + "-" + partition;
    }
}
