package io.tokenwatch.streams.topology;

import io.tokenwatch.streams.stats.StateBuffer;
import io.tokenwatch.streams.stats.StateFormat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The deltas a join task has for one group or session between two progress markers, in one
 * repartition record instead of one each. Every delta keeps its own place in event-time order, so
 * the reorder buffer downstream still hands them on one by one, in exactly the order in-order
 * processing gives. Kept as bytes: a format byte, the member count, the earliest and latest place in
 * order (read without decoding the members), then the members.
 */
public record DeltaBatch(byte[] bytes) {
    private static final byte FORMAT = 1;
    private static final int HEADER = 1 + 4 + 8 + 8;

    /** One delta and its place in event-time order. */
    public record Member(long orderTime, CallDelta delta) {
    }

    public static DeltaBatch of(List<Member> members) {
        return ofEncoded(members.stream().map(m -> encodeMember(m.orderTime(), m.delta())).toList());
    }

    /** One member as a batch holds it: its place in event-time order, then the delta's own encoding. */
    public static byte[] encodeMember(long orderTime, CallDelta delta) {
        StateBuffer out = new StateBuffer(192);
        out.ensureRemaining(8);
        out.buffer().putLong(orderTime);
        delta.writeTo(out);
        return out.toArray();
    }

    /** A batch of members encoded by {@link #encodeMember}. */
    public static DeltaBatch ofEncoded(List<byte[]> members) {
        int size = HEADER;
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (byte[] member : members) {
            size += member.length;
            long order = ByteBuffer.wrap(member).getLong();
            min = Math.min(min, order);
            max = Math.max(max, order);
        }
        ByteBuffer out = ByteBuffer.allocate(size).put(FORMAT).putInt(members.size()).putLong(min).putLong(max);
        members.forEach(out::put);
        return new DeltaBatch(out.array());
    }

    /** The earliest place in event-time order of its members. */
    public long minOrderTime() {
        return ByteBuffer.wrap(bytes).getLong(5);
    }

    /** The latest place in event-time order of its members. */
    public long maxOrderTime() {
        return ByteBuffer.wrap(bytes).getLong(13);
    }

    public List<Member> members() {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        StateFormat.check(in.get(), FORMAT, "delta batch");
        int count = in.getInt();
        in.position(HEADER);
        List<Member> members = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            members.add(new Member(in.getLong(), CallDelta.readFrom(in)));
        }
        return members;
    }
}
