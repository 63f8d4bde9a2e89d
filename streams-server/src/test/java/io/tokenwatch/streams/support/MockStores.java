package io.tokenwatch.streams.support;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/** In-memory stores for a processor under {@link MockProcessorContext}. */
public final class MockStores {
    private MockStores() {
    }

    /**
     * Adds an empty key-value store named {@code name} (replacing one of that name): the state as of a
     * commit made before anything the test processes next, as Kafka Streams restores it for a revived task.
     */
    public static <K, V> void addEmpty(MockProcessorContext<?, ?> context, String name, Serde<K> keys, Serde<V> values) {
        KeyValueStore<K, V> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), keys, values).withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
    }
}
