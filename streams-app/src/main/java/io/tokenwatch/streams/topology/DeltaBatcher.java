package io.tokenwatch.streams.topology;

import io.tokenwatch.streams.topology.CallDelta.Attribute;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Batches, in the join task, the deltas of each group and each session until the task sends its next
 * progress marker, then forwards one {@link DeltaBatch} per key: in a catch-up a busy team sees
 * hundreds of deltas between two markers, and they cross the repartition topic and the reorder buffer
 * as one record. A batch is also sent as soon as it holds {@value #MAX_BATCH} deltas. Every member
 * keeps its own place in event-time order, which is never before the marker sent ahead of it.
 *
 * <p>The open batches live in a store (in memory, changelogged, cached): a crash between two flushes
 * loses nothing, and a revived task flushes what its last commit held.
 */
public final class DeltaBatcher {
    public static final String OPEN_BATCHES = "join-open-batches";
    /** Bounds the bytes copied to add a delta (a batch grows by copying) and the size of a repartition record. */
    static final int MAX_BATCH = 64;

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

    private final List<Attribute> dimensions;
    private KeyValueStore<Bytes, byte[]> openBatches;

    public DeltaBatcher(List<Attribute> dimensions) {
        this.dimensions = dimensions;
    }

    public void init(KeyValueStore<Bytes, byte[]> openBatches) {
        this.openBatches = openBatches;
    }

    /** Adds {@code delta}, ordered at {@code orderTime}, to the batch of each of its groups and of its session. */
    public void add(CallDelta delta, long orderTime, Sink sink) {
        for (Attribute dimension : dimensions) {
            String group = delta.attribute(dimension);
            if (group != null) {
                add(Stage.GROUP, dimension.dimension() + "|" + group, delta, orderTime, sink);
            }
        }
        String session = delta.attribute(Attribute.SESSION);
        if (session != null) {
            add(Stage.SESSION, session, delta, orderTime, sink);
        }
    }

    private void add(Stage stage, String key, CallDelta delta, long orderTime, Sink sink) {
        Bytes storeKey = batchKey(stage, key);
        byte[] open = openBatches.get(storeKey);
        DeltaBatch batch = open == null ? DeltaBatch.of(List.of(new DeltaBatch.Member(orderTime, delta)))
                : new DeltaBatch(open).with(orderTime, delta);
        if (batch.count() >= MAX_BATCH) {
            openBatches.delete(storeKey);
            sink.forward(stage, key, batch);
        } else {
            openBatches.put(storeKey, batch.bytes());
        }
    }

    /** Forwards every open batch and forgets it: before each progress marker, which promises that nothing earlier follows. */
    public void flush(Sink sink) {
        List<KeyValue<Bytes, byte[]>> all = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = openBatches.all()) {
            while (it.hasNext()) {
                all.add(it.next());
            }
        }
        for (KeyValue<Bytes, byte[]> entry : all) {
            openBatches.delete(entry.key);
            byte[] key = entry.key.get();
            sink.forward(Stage.values()[key[0]], new String(key, 1, key.length - 1, StandardCharsets.UTF_8), new DeltaBatch(entry.value));
        }
    }

    /** Stage ordinal, then the key's UTF-8 bytes. */
    private static Bytes batchKey(Stage stage, String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(1 + k.length).put((byte) stage.ordinal()).put(k).array());
    }
}
