package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.Contributor;
import io.tokenwatch.streams.stats.StateFormat;
import io.tokenwatch.streams.topology.CallDelta.Attribute;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Who spent the current window's money in one group: cost per model, feature, session and prompt
 * version. Each kind keeps at most
 * {@value #CAPACITY} entries; when full, a newcomer replaces the smallest (space-saving), so heavy
 * hitters stay while state stays small.
 */
public final class Contributors {
    static final Attribute[] KINDS = {Attribute.MODEL, Attribute.FEATURE, Attribute.SESSION, Attribute.PROMPT_VERSION};
    static final int CAPACITY = 16;
    private static final byte FORMAT = 1;

    private final long slot;
    private final Map<Attribute, Map<String, Long>> costByKind = new EnumMap<>(Attribute.class);

    /** Contributors of the window {@code slot} (window start / window size). */
    public Contributors(long slot) {
        this.slot = slot;
        for (Attribute kind : KINDS) {
            costByKind.put(kind, new HashMap<>());
        }
    }

    public long slot() {
        return slot;
    }

    /** Adds one call's cost to each of its contributors. */
    public void add(Map<Attribute, String> attribution, long costNanos) {
        for (Attribute kind : KINDS) {
            String value = attribution.get(kind);
            if (value != null) {
                add(kind, value, costNanos);
            }
        }
    }

    private void add(Attribute kind, String value, long costNanos) {
        Map<String, Long> costs = costByKind.get(kind);
        if (!costs.containsKey(value) && costs.size() >= CAPACITY) {
            Map.Entry<String, Long> smallest = costs.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow();
            costs.remove(smallest.getKey());
            costs.put(value, smallest.getValue() + costNanos);
        } else {
            costs.merge(value, costNanos, Long::sum);
        }
    }

    /** The biggest contributor of each kind, with its share of {@code windowCostNanos}. */
    public List<Contributor> top(long windowCostNanos) {
        List<Contributor> top = new ArrayList<>();
        for (Attribute kind : KINDS) {
            costByKind.get(kind).entrySet().stream().max(Map.Entry.comparingByValue()).ifPresent(e -> top.add(
                    Contributor.newBuilder().setKind(kind.dimension()).setValue(e.getKey()).setCostUsd(e.getValue() / 1e9)
                            .setShare(windowCostNanos <= 0 ? 0 : Math.min(1.0, (double) e.getValue() / windowCostNanos)).build()));
        }
        return top;
    }

    /** A format byte, the slot, then per kind: a count and (UTF-8 value, cost) pairs. */
    public byte[] toBytes() {
        int size = 1 + 8 + KINDS.length;
        for (Map<String, Long> costs : costByKind.values()) {
            for (String value : costs.keySet()) {
                size += 2 + 3 * value.length() + 8;
            }
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(FORMAT).putLong(slot);
        for (Attribute kind : KINDS) {
            Map<String, Long> costs = costByKind.get(kind);
            out.put((byte) costs.size());
            for (Map.Entry<String, Long> e : costs.entrySet()) {
                byte[] value = e.getKey().getBytes(StandardCharsets.UTF_8);
                out.putShort((short) value.length).put(value).putLong(e.getValue());
            }
        }
        return Arrays.copyOf(out.array(), out.position());
    }

    public static Contributors fromBytes(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        StateFormat.check(in.get(), FORMAT, "contributors");
        Contributors c = new Contributors(in.getLong());
        for (Attribute kind : KINDS) {
            int n = in.get();
            for (int i = 0; i < n; i++) {
                byte[] value = new byte[in.getShort() & 0xFFFF];
                in.get(value);
                c.costByKind.get(kind).put(new String(value, StandardCharsets.UTF_8), in.getLong());
            }
        }
        return c;
    }
}
