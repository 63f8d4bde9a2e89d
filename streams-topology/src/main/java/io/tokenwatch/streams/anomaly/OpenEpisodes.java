package io.tokenwatch.streams.anomaly;

import io.tokenwatch.streams.stats.StateFormat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * The open alert episodes of one group, by metric: one store record per group (none while nothing is
 * open), so judging every metric after a delta costs one read, not one per metric. Encoded with a
 * format byte first; metrics by id, so reordering them in code never misreads stored state.
 */
public final class OpenEpisodes {
    private static final byte FORMAT = 1;

    private final Map<Metric, AlertEpisode> byMetric = new EnumMap<>(Metric.class);

    public AlertEpisode get(Metric metric) {
        return byMetric.get(metric);
    }

    /** Records {@code episode} as the open one of {@code metric}; null closes it. */
    public void set(Metric metric, AlertEpisode episode) {
        if (episode == null) {
            byMetric.remove(metric);
        } else {
            byMetric.put(metric, episode);
        }
    }

    public Map<Metric, AlertEpisode> all() {
        return Collections.unmodifiableMap(byMetric);
    }

    public boolean isEmpty() {
        return byMetric.isEmpty();
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + 64 * byMetric.size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeByte(byMetric.size());
            for (Map.Entry<Metric, AlertEpisode> e : byMetric.entrySet()) {
                out.writeUTF(e.getKey().id());
                e.getValue().writeTo(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static OpenEpisodes fromBytes(byte[] bytes) {
        OpenEpisodes episodes = new OpenEpisodes();
        if (bytes == null) {
            return episodes;
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            StateFormat.check(in.readByte(), FORMAT, "open alert episodes");
            int count = in.readUnsignedByte();
            for (int i = 0; i < count; i++) {
                episodes.byMetric.put(Metric.fromId(in.readUTF()), AlertEpisode.readFrom(in));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return episodes;
    }
}
