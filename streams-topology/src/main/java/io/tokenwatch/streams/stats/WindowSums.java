package io.tokenwatch.streams.stats;


import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Additive sums of calls over some span of event time (one window, a 7-day range, or the change one
 * event makes). Everything the metrics need is a sum, so windows merge and ranges slide by adding and
 * subtracting, and a late outcome is just a delta. Costs are kept in exact nano-dollars.
 */
public final class WindowSums {

    /** The summed quantities. Appending is safe; the codec writes the count first. */
    public enum Field {
        CALLS, INPUT_TOKENS, OUTPUT_TOKENS, CACHE_READ_TOKENS, CACHE_WRITE_TOKENS, REASONING_TOKENS,
        COST_NANOS, UNPRICED_CALLS, RETRIED_CALLS, RETRIES, TOOL_CALLS,
        ACCEPTED, REJECTED, DECIDED, ABANDONED, DECIDED_COST_NANOS, ABANDONED_COST_NANOS,
        /** 1 in a window that holds a call; summed over a range: the windows of it that hold data (the baseline-age guard). */
        ACTIVE_WINDOWS
    }

    private static final Field[] FIELDS = Field.values();
    private static final byte FORMAT_VERSION = 1;

    private final long[] values;
    private final LatencyHistogram latency;

    public WindowSums() {
        this(new long[FIELDS.length], new LatencyHistogram());
    }

    private WindowSums(long[] values, LatencyHistogram latency) {
        this.values = values;
        this.latency = latency;
    }

    public long get(Field field) {
        return values[field.ordinal()];
    }

    public WindowSums add(Field field, long amount) {
        values[field.ordinal()] = saturatedSum(values[field.ordinal()], amount);
        return this;
    }

    public LatencyHistogram latency() {
        return latency;
    }

    /** Adds {@code sign} x {@code other} (sign is +1 or -1). */
    public WindowSums addAll(WindowSums other, int sign) {
        for (int i = 0; i < values.length; i++) {
            values[i] = saturatedSum(values[i], sign * other.values[i]);
        }
        latency.addAll(other.latency, sign);
        return this;
    }

    /**
     * {@code a + b}, held at the long range instead of wrapping. Every count a call brings is bounded
     * ({@code CallBounds}), so no real window comes near; this keeps a flood of bounded but absurd calls
     * from turning a sum negative.
     */
    private static long saturatedSum(long a, long b) {
        long sum = a + b;
        if (((a ^ sum) & (b ^ sum)) < 0) {
            return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return sum;
    }

    public WindowSums copy() {
        return new WindowSums(values.clone(), latency.copy());
    }

    public long tokens() {
        return get(Field.INPUT_TOKENS) + get(Field.OUTPUT_TOKENS);
    }

    public double costUsd() {
        return get(Field.COST_NANOS) / 1e9;
    }

    public byte[] toBytes() {
        StateBuffer out = new StateBuffer(128);
        writeTo(out);
        return out.toArray();
    }

    public void writeTo(StateBuffer out) {
        out.ensureRemaining(1 + 5 + 10 * values.length);
        ByteBuffer buffer = out.buffer();
        buffer.put(FORMAT_VERSION);
        Varints.writeVarint(values.length, buffer);
        for (long value : values) {
            Varints.writeVarlong(value, buffer);
        }
        latency.writeTo(out);
    }

    public static WindowSums fromBytes(byte[] bytes) {
        return readFrom(ByteBuffer.wrap(bytes));
    }

    public static WindowSums readFrom(ByteBuffer in) {
        StateFormat.check(in.get(), FORMAT_VERSION, "window sums");
        int count = Varints.readVarint(in);
        long[] values = new long[FIELDS.length];
        for (int i = 0; i < count; i++) {
            long value = Varints.readVarlong(in);
            if (i < values.length) {
                values[i] = value;
            }
        }
        return new WindowSums(values, LatencyHistogram.readFrom(in));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WindowSums other && Arrays.equals(values, other.values) && latency.equals(other.latency);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("WindowSums{");
        for (Field f : FIELDS) {
            if (get(f) != 0) {
                s.append(f.name().toLowerCase()).append('=').append(get(f)).append(' ');
            }
        }
        return s.append("latency_n=").append(latency.total()).append('}').toString();
    }
}
