package io.tokenwatch.streams.ordering;

import io.tokenwatch.streams.topology.DeltaBatch;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * What travels on the repartition topics: a batch of statistics deltas of one key (each member with
 * its place in event-time order) or an upstream task's progress marker. Exactly one is set.
 * Internal: the tag byte lets the format grow.
 */
public record Sequenced(DeltaBatch batch, ProgressMarker marker) {
    private static final byte BATCH = 'B';
    private static final byte MARKER = 'M';

    public static Sequenced of(DeltaBatch batch) {
        return new Sequenced(batch, null);
    }

    public static Sequenced of(ProgressMarker marker) {
        return new Sequenced(null, marker);
    }

    public boolean isMarker() {
        return marker != null;
    }

    /** Compact binary serde: a tag byte, then the batch's own bytes or the marker's four fields. */
    public static Serde<Sequenced> serde() {
        Serializer<Sequenced> serializer = (topic, value) -> value == null ? null : encode(value);
        Deserializer<Sequenced> deserializer = (topic, bytes) -> bytes == null ? null : decode(bytes);
        return Serdes.serdeFrom(serializer, deserializer);
    }

    static byte[] encode(Sequenced value) {
        if (value.isMarker()) {
            ProgressMarker m = value.marker;
            return ByteBuffer.allocate(18).put(MARKER).putInt(m.upstream()).putInt(m.upstreams()).putLong(m.watermark())
                    .put((byte) (m.idle() ? 1 : 0)).array();
        }
        byte[] batch = value.batch.bytes();
        byte[] out = new byte[batch.length + 1];
        out[0] = BATCH;
        System.arraycopy(batch, 0, out, 1, batch.length);
        return out;
    }

    static Sequenced decode(byte[] bytes) {
        if (bytes[0] == MARKER) {
            ByteBuffer in = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
            return of(new ProgressMarker(in.getInt(), in.getInt(), in.getLong(), in.get() != 0));
        }
        if (bytes[0] != BATCH) {
            throw new IllegalStateException("Unknown repartition record tag " + bytes[0]);
        }
        return of(new DeltaBatch(Arrays.copyOfRange(bytes, 1, bytes.length)));
    }
}
