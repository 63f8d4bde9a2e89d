package io.tokenwatch.streams.topology;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Keeps the budgets topic in a global store, as the bytes it holds: every instance sees every budget,
 * and a tombstone removes one. Bytes, not decoded budgets, because Kafka Streams restores a global store
 * by copying the topic's records into it without this processor; {@link BudgetTracker} decodes and
 * checks a budget when it is used, so a bad record is refused the same way either path.
 */
final class BudgetDefinitions implements Processor<String, byte[], Void, Void> {
    private KeyValueStore<String, byte[]> budgets;

    /** In memory: budgets are few, and a global store is read back from its topic at every start anyway. */
    static StoreBuilder<KeyValueStore<String, byte[]>> store() {
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(BudgetTracker.BUDGETS), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled();
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        budgets = context.getStateStore(BudgetTracker.BUDGETS);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        if (record.key() == null) {
            return;
        }
        if (record.value() == null) {
            budgets.delete(record.key());
        } else {
            budgets.put(record.key(), record.value());
        }
    }
}
