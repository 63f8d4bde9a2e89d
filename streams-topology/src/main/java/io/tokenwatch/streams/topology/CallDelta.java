package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.OutcomeState;
import io.tokenwatch.streams.stats.StateBuffer;
import io.tokenwatch.streams.stats.StateFormat;
import io.tokenwatch.streams.stats.WindowSums;
import io.tokenwatch.streams.stats.WindowSums.Field;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * What one join event changes in the statistics of a call's window: a new call adds its counts; an
 * outcome (or its absence at the window's end) moves outcome counts. Carries the call's attribution so
 * every dimension and the session can be updated. Internal: travels through repartition topics in
 * batches ({@link DeltaBatch}) in a compact binary form with a format byte first, never to users.
 */
public record CallDelta(long timestamp, String callId, boolean newCall, Map<Attribute, String> attribution, WindowSums sums) {
    private static final byte FORMAT = 1;

    /** Attribution carried to the group and session aggregations. */
    public enum Attribute {
        TASK, FEATURE, TEAM, MODEL, AGENT, PROMPT_VERSION, ENVIRONMENT, SESSION, OWNER;

        public String dimension() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Attribute ofDimension(String dimension) {
            return valueOf(dimension.toUpperCase(Locale.ROOT));
        }
    }

    public String attribute(Attribute attribute) {
        return attribution.get(attribute);
    }

    /** The counts a newly seen call adds to its window. */
    public static CallDelta newCall(LlmCall call) {
        WindowSums sums = new WindowSums()
                .add(Field.CALLS, 1)
                .add(Field.INPUT_TOKENS, call.getInputTokens())
                .add(Field.OUTPUT_TOKENS, call.getOutputTokens())
                .add(Field.CACHE_READ_TOKENS, call.getCacheReadTokens())
                .add(Field.CACHE_WRITE_TOKENS, call.getCacheWriteTokens())
                .add(Field.REASONING_TOKENS, call.getReasoningTokens())
                .add(Field.COST_NANOS, costNanos(call))
                .add(Field.UNPRICED_CALLS, call.getCostUsd() == null ? 1 : 0)
                .add(Field.RETRIED_CALLS, call.getRetryCount() > 0 ? 1 : 0)
                .add(Field.RETRIES, call.getRetryCount())
                .add(Field.TOOL_CALLS, call.getToolCalls());
        sums.latency().record(call.getLatencyMs());
        return new CallDelta(call.getTimestamp().toEpochMilli(), call.getCallId(), true, attributionOf(call), sums);
    }

    /** The change in outcome counts when a call's outcome state goes from {@code before} to {@code after}. */
    public static CallDelta outcomeChange(LlmCall call, OutcomeState before, OutcomeState after) {
        WindowSums sums = outcomeSums(after, costNanos(call)).addAll(outcomeSums(before, costNanos(call)), -1);
        return new CallDelta(call.getTimestamp().toEpochMilli(), call.getCallId(), false, attributionOf(call), sums);
    }

    /** Outcome counts of one call in {@code state}; null means no outcome yet. */
    static WindowSums outcomeSums(OutcomeState state, long costNanos) {
        WindowSums sums = new WindowSums();
        if (state == null) {
            return sums;
        }
        if (state == OutcomeState.NONE) {
            return sums.add(Field.ABANDONED, 1).add(Field.ABANDONED_COST_NANOS, costNanos);
        }
        sums.add(Field.DECIDED, 1).add(Field.DECIDED_COST_NANOS, costNanos);
        switch (state) {
            case ACCEPTED, EDITED, REWORKED -> sums.add(Field.ACCEPTED, 1);
            case REJECTED, ESCALATED, REVERTED -> sums.add(Field.REJECTED, 1);
            default -> { }
        }
        return sums;
    }

    public static long costNanos(LlmCall call) {
        return call.getCostUsd() == null ? 0 : call.getCostUsd().movePointRight(9).longValueExact();
    }

    private static Map<Attribute, String> attributionOf(LlmCall call) {
        Map<Attribute, String> a = new EnumMap<>(Attribute.class);
        putIfPresent(a, Attribute.TASK, call.getTask());
        putIfPresent(a, Attribute.FEATURE, call.getFeature());
        putIfPresent(a, Attribute.TEAM, call.getTeam());
        putIfPresent(a, Attribute.MODEL, call.getModel());
        putIfPresent(a, Attribute.AGENT, call.getAgent());
        putIfPresent(a, Attribute.PROMPT_VERSION, call.getPromptVersion());
        putIfPresent(a, Attribute.ENVIRONMENT, call.getEnvironment());
        putIfPresent(a, Attribute.SESSION, call.getSessionId());
        putIfPresent(a, Attribute.OWNER, call.getOwner());
        return a;
    }

    private static void putIfPresent(Map<Attribute, String> map, Attribute attribute, String value) {
        if (value != null && !value.isEmpty()) {
            map.put(attribute, value);
        }
    }

    /** Format byte, call time, call id, whether it is a new call, attribution, sums: {@link #readFrom} reads it back. */
    public void writeTo(StateBuffer out) {
        byte[] id = callId.getBytes(StandardCharsets.UTF_8);
        out.ensureRemaining(1 + 8 + 2 + id.length + 2);
        ByteBuffer head = out.buffer();
        head.put(FORMAT).putLong(timestamp);
        putString(head, id);
        head.put((byte) (newCall ? 1 : 0));
        head.put((byte) attribution.size());
        for (Map.Entry<Attribute, String> e : attribution.entrySet()) {
            byte[] value = e.getValue().getBytes(StandardCharsets.UTF_8);
            out.ensureRemaining(1 + 2 + value.length);
            out.buffer().put((byte) e.getKey().ordinal());
            putString(out.buffer(), value);
        }
        sums.writeTo(out);
    }

    public static CallDelta readFrom(ByteBuffer in) {
        StateFormat.check(in.get(), FORMAT, "call delta");
        long timestamp = in.getLong();
        String callId = readString(in);
        boolean newCall = in.get() != 0;
        int attributes = in.get();
        Map<Attribute, String> attribution = new EnumMap<>(Attribute.class);
        Attribute[] all = Attribute.values();
        for (int i = 0; i < attributes; i++) {
            attribution.put(all[in.get()], readString(in));
        }
        return new CallDelta(timestamp, callId, newCall, attribution, WindowSums.readFrom(in));
    }

    /** Unsigned 16-bit length, then the UTF-8 bytes (what {@link #readString} reads). */
    private static void putString(ByteBuffer buffer, byte[] utf8) {
        buffer.putShort((short) utf8.length);
        buffer.put(utf8);
    }

    private static String readString(ByteBuffer in) {
        byte[] utf8 = new byte[in.getShort() & 0xFFFF];
        in.get(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }
}
