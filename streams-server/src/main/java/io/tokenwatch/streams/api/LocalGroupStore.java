package io.tokenwatch.streams.api;

import io.tokenwatch.streams.anomaly.AnomalyRule;
import io.tokenwatch.streams.anomaly.Metric;
import io.tokenwatch.streams.config.TokenwatchConfig;
import io.tokenwatch.streams.stats.RollingBaseline;
import io.tokenwatch.streams.stats.WindowSums;
import io.tokenwatch.streams.topology.GroupAnomalyDetector;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Interactive queries on this instance's share of the detector's state: the groups whose partitions
 * it hosts (active tasks). Throws Kafka Streams' {@code InvalidStateStoreException} while the stores
 * are not queryable (rebalancing, restoring); the API answers 503 then.
 */
public final class LocalGroupStore {
    private final KafkaStreams streams;
    private final AnomalyRule rule;
    private final Set<Metric> metrics;
    private final long windowMs;

    public LocalGroupStore(KafkaStreams streams, TokenwatchConfig config) {
        this.streams = streams;
        this.rule = config.anomalyRule();
        this.metrics = config.metrics;
        this.windowMs = config.windowSize.toMillis();
    }

    public List<GroupSnapshot> groups() {
        ReadOnlyKeyValueStore<Bytes, byte[]> windows = windows();
        List<GroupSnapshot> groups = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = baselines().all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> entry = all.next();
                RollingBaseline baseline = RollingBaseline.fromBytes(entry.value);
                groups.add(GroupSnapshot.of(entry.key, window(windows, entry.key, baseline.currentSlot()), baseline, rule, metrics, windowMs));
            }
        }
        return groups;
    }

    public Optional<GroupSeries> series(String groupKey) {
        byte[] stored = baselines().get(groupKey);
        if (stored == null) {
            return Optional.empty();
        }
        ReadOnlyKeyValueStore<Bytes, byte[]> windows = windows();
        return Optional.of(GroupSeries.of(groupKey, RollingBaseline.fromBytes(stored), slot -> window(windows, groupKey, slot), windowMs));
    }

    private static WindowSums window(ReadOnlyKeyValueStore<Bytes, byte[]> windows, String groupKey, long slot) {
        byte[] bytes = windows.get(GroupAnomalyDetector.windowKey(groupKey, slot));
        return bytes == null ? null : WindowSums.fromBytes(bytes);
    }

    private ReadOnlyKeyValueStore<String, byte[]> baselines() {
        return streams.store(StoreQueryParameters.fromNameAndType(GroupAnomalyDetector.BASELINES, QueryableStoreTypes.keyValueStore()));
    }

    private ReadOnlyKeyValueStore<Bytes, byte[]> windows() {
        return streams.store(StoreQueryParameters.fromNameAndType(GroupAnomalyDetector.WINDOW_SUMS, QueryableStoreTypes.keyValueStore()));
    }
}
