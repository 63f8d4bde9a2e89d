package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.Contributor;
import io.tokenwatch.streams.topology.CallDelta.Attribute;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Who spent the current window's money in one group: cost per model, feature, session and prompt
 * version. Each kind keeps at most {@value #CAPACITY} entries; when full, a newcomer replaces the
 * smallest (space-saving), so heavy hitters stay while state stays small.
 */
public final class Contributors {
    static final Attribute[] KINDS = {Attribute.MODEL, Attribute.FEATURE, Attribute.SESSION, Attribute.PROMPT_VERSION};
    static final int CAPACITY = 16;

    private final long slot;
    private final Map<Attribute, Map<String, Long>> costByKind = new EnumMap<>(Attribute.class);

    public Contributors(long slot) {
        this.slot = slot;
        for (Attribute kind : KINDS) {
            costByKind.put(kind, new HashMap<>());
        }
    }

    public long slot() {
        return slot;
    }

    public void add(CallDelta delta, long costNanos) {
        for (Attribute kind : KINDS) {
            String value = delta.attribute(kind);
            if (value == null) {
                continue;
            }
            Map<String, Long> costs = costByKind.get(kind);
            if (!costs.containsKey(value) && costs.size() >= CAPACITY) {
                Map.Entry<String, Long> smallest = costs.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow();
                costs.remove(smallest.getKey());
                costs.put(value, smallest.getValue() + costNanos);
            } else {
                costs.merge(value, costNanos, Long::sum);
            }
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

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(slot);
            for (Attribute kind : KINDS) {
                Map<String, Long> costs = costByKind.get(kind);
                out.writeByte(costs.size());
                for (Map.Entry<String, Long> e : costs.entrySet()) {
                    out.writeUTF(e.getKey());
                    out.writeLong(e.getValue());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static Contributors fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            Contributors c = new Contributors(in.readLong());
            for (Attribute kind : KINDS) {
                int n = in.readByte();
                for (int i = 0; i < n; i++) {
                    c.costByKind.get(kind).put(in.readUTF(), in.readLong());
                }
            }
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
