package io.tokenwatch.streams.ordering;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@link InputLag} from the broker: the end (last stable offset) of every input partition, asked
 * every 100 ms, against the offset the task is at. The consumer's own lag figures are not enough:
 * they date from the last fetch of a partition, and while one fetch of many small records of the
 * other input is still being handed out, a drained partition reads "lag 0" although the broker holds
 * a day more of it (seen in the demo's back-fill: outcomes a day ahead of their calls). Before a task
 * has processed a record of a partition, it stands at the group's committed offset, or at the
 * partition's first offset when none is committed (both asked every second).
 */
public final class BrokerEndOffsets implements InputLag, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerEndOffsets.class);
    private static final long END_EVERY_MS = 100;
    private static final long COMMITTED_EVERY_MS = 1_000;

    private final Admin admin;
    private final String groupId;
    private final Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    private final Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tokenwatch-end-offsets");
        t.setDaemon(true);
        return t;
    });
    private volatile Map<TopicPartition, Long> ends = Map.of();
    /** Where a task stands before it has read a record: committed offset, else first offset. */
    private volatile Map<TopicPartition, Long> committed = Map.of();
    private volatile boolean warned;

    /** Watches {@code partitions} partitions of each of {@code topics}, for the consumer group {@code groupId}. */
    public BrokerEndOffsets(Admin admin, String groupId, List<String> topics, int partitions) {
        this.admin = admin;
        this.groupId = groupId;
        for (String topic : topics) {
            for (int p = 0; p < partitions; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
                earliest.put(new TopicPartition(topic, p), OffsetSpec.earliest());
            }
        }
        refresher.scheduleWithFixedDelay(this::refreshEnds, 0, END_EVERY_MS, TimeUnit.MILLISECONDS);
        refresher.scheduleWithFixedDelay(this::refreshCommitted, 0, COMMITTED_EVERY_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean caughtUp(String topic, int partition, long nextOffset) {
        TopicPartition tp = new TopicPartition(topic, partition);
        Long end = ends.get(tp);
        Long start = committed.get(tp);
        long position = nextOffset >= 0 ? nextOffset : start != null ? start : -1;
        // One offset of slack: a transactional writer's last commit marker sits after its last record. So one record not
        // yet read can pass for read: live, that only lets a quiet input's watermark follow the other's a moment early;
        // a catch-up is always more than one record behind.
        return end != null && position >= 0 && end - position <= 1;
    }

    private void refreshEnds() {
        try {
            Map<TopicPartition, Long> fresh = new HashMap<>();
            admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(5, TimeUnit.SECONDS)
                    .forEach((tp, info) -> fresh.put(tp, info.offset()));
            ends = fresh;
            warned = false;
        } catch (Exception e) {
            failed("end offsets", e);
        }
    }

    /** Where a task starts reading: the group's committed offset, or (none committed yet) the partition's first offset. */
    private void refreshCommitted() {
        try {
            Map<TopicPartition, Long> fresh = new HashMap<>();
            admin.listOffsets(earliest).all().get(5, TimeUnit.SECONDS).forEach((tp, info) -> fresh.put(tp, info.offset()));
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata()
                    .get(5, TimeUnit.SECONDS);
            offsets.forEach((tp, o) -> {
                if (o != null) {
                    fresh.put(tp, o.offset());
                }
            });
            committed = fresh;
        } catch (Exception e) {
            failed("committed offsets", e);
        }
    }

    /** Until the broker answers again, nothing counts as caught up: watermarks then move with records only. */
    private void failed(String what, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt(); // closing: the refresher is being stopped, nothing to warn about
            return;
        }
        ends = Map.of();
        if (!warned) {
            warned = true;
            LOG.warn("Cannot read the input partitions' {} ({}); quiet inputs wait until the broker answers", what, e.toString());
        }
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        admin.close();
    }
}
