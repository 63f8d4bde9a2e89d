package io.tokenwatch.streams.app;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * How far a consumer group (a Streams application id) is through every partition it has committed
 * on, repartition topics included: what "caught up" means for the whole topology.
 *
 * @param consumed records committed, summed over partitions
 * @param end      end offsets, summed over the same partitions
 */
public record ConsumerGroupLag(long consumed, long end) {

    /** Nothing committed yet: the group has not started. */
    public boolean started() {
        return end > 0 || consumed > 0;
    }

    public long lag() {
        return end - consumed;
    }

    public static ConsumerGroupLag of(Admin admin, String groupId) throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
        if (committed.isEmpty()) {
            return new ConsumerGroupLag(0, 0);
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        var ends = admin.listOffsets(latest).all().get();
        long end = ends.values().stream().mapToLong(r -> r.offset()).sum();
        long consumed = committed.entrySet().stream().mapToLong(e -> Math.min(e.getValue().offset(), ends.get(e.getKey()).offset())).sum();
        return new ConsumerGroupLag(consumed, end);
    }
}
