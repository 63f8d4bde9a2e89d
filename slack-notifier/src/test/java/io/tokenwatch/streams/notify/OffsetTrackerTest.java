package io.tokenwatch.streams.notify;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class OffsetTrackerTest {
    private static final TopicPartition P0 = new TopicPartition("alerts", 0);

    @Test
    void commitNeverPassesTheOldestUnfinishedAlert() {
        OffsetTracker tracker = new OffsetTracker();
        tracker.started(P0, 10);  // to a webhook that is down
        tracker.started(P0, 11);  // to a healthy webhook
        tracker.read(P0, 12);     // already posted, skipped
        tracker.finished(P0, 11);
        assertThat(tracker.committable()).isEqualTo(Map.of(P0, new OffsetAndMetadata(10)));
        tracker.committed(tracker.committable());
        assertThat(tracker.committable()).isEmpty();
        tracker.finished(P0, 10);
        assertThat(tracker.committable()).isEqualTo(Map.of(P0, new OffsetAndMetadata(13)));
    }
}
