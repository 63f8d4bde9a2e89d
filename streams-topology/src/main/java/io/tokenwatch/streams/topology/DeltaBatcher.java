package io.tokenwatch.streams.topology;

import io.tokenwatch.streams.topology.CallDelta.Attribute;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Batches, in the join task, the deltas of each group and each session until the task sends its next
 * progress marker, then forwards one {@link DeltaBatch} per key (of at most {@value #MAX_BATCH}
 * deltas): in a catch-up a busy team sees hundreds of deltas between two markers, and they cross the
 * repartition topic and the reorder buffer as one record. Every member keeps its own place in
 * event-time order, which is never before the marker sent ahead of it.
 *
 * <p>Waiting deltas are kept once each, in arrival order, in a store (in memory, changelogged,
 * cached), and sorted into batches when they go: a crash between two flushes loses nothing, and a
 * revived task flushes what its last commit held.
 */
public final class DeltaBatcher {
    public static final String WAITING = "join-deltas-waiting";

    /** Deltas wait here for one marker interval at most: in memory, changelogged. */
    static StoreBuilder<KeyValueStore<Bytes, byte[]>> waitingStore() {
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(WAITING), Serdes.Bytes(), Serdes.ByteArray()).withCachingEnabled();
    }
    /** Bounds the size of a repartition record (~200 bytes a delta). */
    static final int MAX_BATCH = 256;

    /** Where batches go next: the group detector or the session totals, each through its own repartition topic. */
    public enum Stage {
        GROUP("group-deltas"), SESSION("session-deltas");

        private final String topic;

        Stage(String topic) {
            this.topic = topic;
        }

        /** Name of the stage's repartition topic and prefix of its reorder buffer's stores. */
        public String topic() {
            return topic;
        }
    }

    /** Receives each batch, keyed by group ({@code dimension|group}) or session id. */
    public interface Sink {
        void forward(Stage stage, String key, DeltaBatch batch);
    }

    private record StageKey(Stage stage, String key) {
    }

    private final List<Attribute> dimensions;
    private KeyValueStore<Bytes, byte[]> waiting;
    /** Sequence number of the next delta: one after the last in the store, found again by {@link #init}. */
    private long next;

    public DeltaBatcher(List<Attribute> dimensions) {
        this.dimensions = dimensions;
    }

    public void init(KeyValueStore<Bytes, byte[]> waiting) {
        this.waiting = waiting;
        try (KeyValueIterator<Bytes, byte[]> last = waiting.reverseAll()) {
            next = last.hasNext() ? ByteBuffer.wrap(last.next().key.get()).getLong() + 1 : 0;
        }
    }

    /** Keeps {@code delta}, ordered at {@code orderTime}, for the batches of its groups and its session. */
    public void add(CallDelta delta, long orderTime) {
        waiting.put(Bytes.wrap(ByteBuffer.allocate(8).putLong(next++).array()), DeltaBatch.encodeMember(orderTime, delta));
    }

    /** Forwards every waiting delta in batches by key, and forgets them: before each progress marker, which promises that nothing earlier follows. */
    public void flush(Sink sink) {
        List<Bytes> sent = new ArrayList<>();
        Map<StageKey, List<byte[]>> batches = new LinkedHashMap<>();
        try (KeyValueIterator<Bytes, byte[]> it = waiting.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> entry = it.next();
                sent.add(entry.key);
                // Stored as a batch member is encoded: read for its keys, copied into each batch as it is.
                ByteBuffer value = ByteBuffer.wrap(entry.value, 8, entry.value.length - 8);
                for (StageKey key : keysOf(CallDelta.readFrom(value))) {
                    batches.computeIfAbsent(key, k -> new ArrayList<>()).add(entry.value);
                }
            }
        }
        sent.forEach(waiting::delete);
        batches.forEach((key, members) -> {
            for (int from = 0; from < members.size(); from += MAX_BATCH) {
                sink.forward(key.stage(), key.key(), DeltaBatch.ofEncoded(members.subList(from, Math.min(members.size(), from + MAX_BATCH))));
            }
        });
    }

    private List<StageKey> keysOf(CallDelta delta) {
        List<StageKey> keys = new ArrayList<>(dimensions.size() + 1);
        for (Attribute dimension : dimensions) {
            String group = delta.attribute(dimension);
            if (group != null) {
                keys.add(new StageKey(Stage.GROUP, dimension.dimension() + "|" + group));
            }
        }
        String session = delta.attribute(Attribute.SESSION);
        if (session != null) {
            keys.add(new StageKey(Stage.SESSION, session));
        }
        return keys;
    }
}
