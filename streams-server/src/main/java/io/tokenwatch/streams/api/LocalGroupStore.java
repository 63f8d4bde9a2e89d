package io.tokenwatch.streams.api;

import io.tokenwatch.events.v1.Budget;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.streams.anomaly.AnomalyRule;
import io.tokenwatch.streams.anomaly.Metric;
import io.tokenwatch.streams.budget.BudgetSpend;
import io.tokenwatch.streams.budget.BudgetValidation;
import io.tokenwatch.streams.config.PipelineSettings;
import io.tokenwatch.streams.stats.RollingBaseline;
import io.tokenwatch.streams.stats.WindowSums;
import io.tokenwatch.streams.topology.BudgetTracker;
import io.tokenwatch.streams.topology.GroupAnomalyDetector;
import io.tokenwatch.streams.topology.Topics;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

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
    private final Deserializer<Budget> budgetReader;

    public LocalGroupStore(KafkaStreams streams, TokenwatchConfig config) {
        this.streams = streams;
        PipelineSettings pipeline = PipelineSettings.of(config);
        this.rule = pipeline.anomalyRule();
        this.metrics = pipeline.metrics;
        this.windowMs = pipeline.windowSize.toMillis();
        this.budgetReader = Topics.<Budget>valueSerde(config.valueSerdeClass, config.kafkaProperties(), config.registryUnavailableTimeout).deserializer();
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

    /** The budgets with spend counted on this instance (each budget's state lives with its group). */
    public List<BudgetView> budgets() {
        return budgets(definedBudgets());
    }

    /** The same, for the budgets in force already read. */
    List<BudgetView> budgets(Map<String, Budget> defined) {
        List<BudgetView> views = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = store(BudgetTracker.SPEND).all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> entry = all.next();
                Budget budget = defined.get(entry.key);
                if (budget != null) {
                    views.add(BudgetView.of(entry.key, budget, BudgetSpend.fromBytes(entry.value)));
                }
            }
        }
        return views;
    }

    /** Every budget in force (the global store: each instance has all of them), those that cannot be used left out. */
    public Map<String, Budget> definedBudgets() {
        Map<String, Budget> budgets = new TreeMap<>();
        try (KeyValueIterator<String, byte[]> all = store(BudgetTracker.BUDGETS).all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> entry = all.next();
                try {
                    budgets.put(entry.key, BudgetValidation.usable(entry.key, entry.value, budgetReader));
                } catch (IllegalArgumentException e) {
                    // refused and logged by the detector; not shown
                }
            }
        }
        return budgets;
    }

    private ReadOnlyKeyValueStore<String, byte[]> store(String name) {
        return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.keyValueStore()));
    }

    private ReadOnlyKeyValueStore<String, byte[]> baselines() {
        return streams.store(StoreQueryParameters.fromNameAndType(GroupAnomalyDetector.BASELINES, QueryableStoreTypes.keyValueStore()));
    }

    private ReadOnlyKeyValueStore<Bytes, byte[]> windows() {
        return streams.store(StoreQueryParameters.fromNameAndType(GroupAnomalyDetector.WINDOW_SUMS, QueryableStoreTypes.keyValueStore()));
    }
}
