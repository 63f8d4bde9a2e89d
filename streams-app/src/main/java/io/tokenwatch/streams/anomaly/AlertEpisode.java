package io.tokenwatch.streams.anomaly;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * An open anomaly episode of one group and metric.
 *
 * @param alertId         stable id of every update of this episode
 * @param openedAt        event time of the first crossing
 * @param windowStart     start of the window judged at the first crossing
 * @param severityStep    highest severity step (a ratio) reached
 * @param lastAnomalousAt event time the metric was last at or above the threshold
 */
public record AlertEpisode(String alertId, long openedAt, long windowStart, double severityStep, long lastAnomalousAt) {

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(96);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(alertId);
            out.writeLong(openedAt);
            out.writeLong(windowStart);
            out.writeDouble(severityStep);
            out.writeLong(lastAnomalousAt);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static AlertEpisode fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
            return new AlertEpisode(in.readUTF(), in.readLong(), in.readLong(), in.readDouble(), in.readLong());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
