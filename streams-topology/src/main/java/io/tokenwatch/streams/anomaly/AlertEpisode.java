package io.tokenwatch.streams.anomaly;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

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

    void writeTo(DataOutputStream out) throws IOException {
        out.writeUTF(alertId);
        out.writeLong(openedAt);
        out.writeLong(windowStart);
        out.writeDouble(severityStep);
        out.writeLong(lastAnomalousAt);
    }

    static AlertEpisode readFrom(DataInputStream in) throws IOException {
        return new AlertEpisode(in.readUTF(), in.readLong(), in.readLong(), in.readDouble(), in.readLong());
    }
}
