package io.tokenwatch.streams.ordering;

import io.tokenwatch.streams.topology.CallDelta;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * What travels on the repartition topics: a statistics delta (its record timestamp is its place in
 * event-time order) or an upstream task's progress marker. Exactly one is set. Internal: the tag byte
 * lets the format grow.
 */
public record Sequenced(CallDelta delta, ProgressMarker marker, long orderTime) {
    private static final byte DELTA = 'D';
    private static final byte MARKER = 'M';
    private static final long UNKNOWN = Long.MIN_VALUE;
    private static final Serde<CallDelta> DELTA_SERDE = CallDelta.serde();

    public static Sequenced of(CallDelta delta) {
        return new Sequenced(delta, null, UNKNOWN);
    }

    /** A delta released in order, with its place in event time (in memory only: the serde does not carry it). */
    public static Sequenced released(CallDelta delta, long orderTime) {
        return new Sequenced(delta, null, orderTime);
    }

    public static Sequenced of(ProgressMarker marker) {
        return new Sequenced(null, marker, UNKNOWN);
    }

    /**
     * When the change this delta carries happened, in event time: the call for a new call, the decision
     * for an outcome, the deadline for NONE (its place in order); the call's time where that is not known.
     */
    public long eventTime() {
        return orderTime != UNKNOWN ? orderTime : delta.timestamp();
    }

    public boolean isMarker() {
        return marker != null;
    }

    /** Compact binary serde: a tag byte, then the delta's own encoding or the marker's three numbers. */
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
        byte[] delta = DELTA_SERDE.serializer().serialize(null, value.delta);
        byte[] out = new byte[delta.length + 1];
        out[0] = DELTA;
        System.arraycopy(delta, 0, out, 1, delta.length);
        return out;
    }

    static Sequenced decode(byte[] bytes) {
        if (bytes[0] == MARKER) {
            ByteBuffer in = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
            return of(new ProgressMarker(in.getInt(), in.getInt(), in.getLong(), in.get() != 0));
        }
        if (bytes[0] != DELTA) {
            throw new IllegalStateException("Unknown repartition record tag " + bytes[0]);
        }
        return of(DELTA_SERDE.deserializer().deserialize(null, Arrays.copyOfRange(bytes, 1, bytes.length)));
    }
}
