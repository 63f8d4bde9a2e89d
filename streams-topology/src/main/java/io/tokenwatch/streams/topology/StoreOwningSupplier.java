package io.tokenwatch.streams.topology;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.util.Set;
import java.util.function.Supplier;

/**
 * A processor supplier that declares the state stores its processors use ({@code ConnectedStoreProvider#stores()}):
 * each processor's stores are defined next to it, and the wiring names none.
 */
public record StoreOwningSupplier<KIn, VIn, KOut, VOut>(Supplier<Processor<KIn, VIn, KOut, VOut>> processors, Set<StoreBuilder<?>> stores)
        implements ProcessorSupplier<KIn, VIn, KOut, VOut> {

    @SafeVarargs
    public static <KIn, VIn, KOut, VOut> StoreOwningSupplier<KIn, VIn, KOut, VOut> of(Supplier<Processor<KIn, VIn, KOut, VOut>> processors,
                                                                                      StoreBuilder<?>... stores) {
        return new StoreOwningSupplier<>(processors, Set.of(stores));
    }

    @Override
    public Processor<KIn, VIn, KOut, VOut> get() {
        return processors.get();
    }

    /**
     * A persistent key-value store with Kafka Streams' record cache: hot groups are updated many times
     * per commit, and only the last value needs to reach the changelog.
     */
    public static <K, V> StoreBuilder<KeyValueStore<K, V>> cachedKeyValueStore(String name, Serde<K> keys, Serde<V> values) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), keys, values).withCachingEnabled();
    }
}
