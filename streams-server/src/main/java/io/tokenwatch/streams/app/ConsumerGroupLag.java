package io.tokenwatch.streams.app;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * How far a consumer group (a Streams application id) is through every partition it has committed
 * on, repartition topics included.
 *
 * <p>"Caught up" cannot mean zero lag: join tasks send progress markers through the repartition
 * topics every 100 ms, so there is always a little in flight. {@link #reached} says whether the group
 * has committed past a snapshot taken earlier; one snapshot per sub-topology level (join, group and
 * session ordering, session totals) covers everything that was input when the first was taken.
 *
 * @param committed committed offsets by partition
 * @param ends      end offsets of the same partitions when this was read
 */
public record ConsumerGroupLag(Map<TopicPartition, Long> committed, Map<TopicPartition, Long> ends) {
    /** Snapshots in a row that {@link #reached} must pass: the depth of the topology's sub-topology chain. */
    public static final int LEVELS = 3;

    /** Nothing committed yet: the group has not started. */
    public boolean started() {
        return !committed.isEmpty();
    }

    /** Records committed, summed over partitions. */
    public long consumed() {
        return committed.entrySet().stream().mapToLong(e -> Math.min(e.getValue(), ends.getOrDefault(e.getKey(), e.getValue()))).sum();
    }

    /** End offsets, summed over the same partitions. */
    public long end() {
        return ends.values().stream().mapToLong(Long::longValue).sum();
    }

    public long lag() {
        return end() - consumed();
    }

    /** Whether this group has committed, on every partition of {@code earlier}, at least up to the end it had then. */
    public boolean reached(ConsumerGroupLag earlier) {
        return earlier.started() && earlier.ends.entrySet().stream().allMatch(e -> committed.getOrDefault(e.getKey(), -1L) >= e.getValue());
    }

    /**
     * The group's committed offsets, and 0 for every partition of its repartition topics
     * ({@code groupId-...-repartition}) it has not committed on yet: a task that has not processed
     * anything is behind, not absent.
     */
    public static ConsumerGroupLag of(Admin admin, String groupId) throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, Long> committed = new HashMap<>();
        offsets.forEach((tp, offset) -> {
            if (offset != null) {
                committed.put(tp, offset.offset());
            }
        });
        if (committed.isEmpty()) {
            return new ConsumerGroupLag(Map.of(), Map.of());
        }
        List<String> repartitionTopics = admin.listTopics().names().get().stream()
                .filter(t -> t.startsWith(groupId + "-") && t.endsWith("-repartition")).toList();
        admin.describeTopics(repartitionTopics).allTopicNames().get().values().forEach(topic -> topic.partitions()
                .forEach(p -> committed.putIfAbsent(new TopicPartition(topic.name(), p.partition()), 0L)));
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
        return new ConsumerGroupLag(Map.copyOf(committed), Map.copyOf(ends));
    }

    /**
     * Follows {@code groupId} until it has passed {@link #LEVELS} snapshots in a row (see above),
     * calling {@code onProgress} with each reading; false when {@code timeoutNanos} ran out first.
     */
    public static boolean awaitDrained(Admin admin, String groupId, long timeoutNanos, Consumer<ConsumerGroupLag> onProgress)
            throws ExecutionException, InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        ConsumerGroupLag target = null;
        int passed = 0;
        while (System.nanoTime() < deadline) {
            ConsumerGroupLag now = of(admin, groupId);
            onProgress.accept(now);
            if (target == null) {
                target = now.started() ? now : null;
            } else if (now.reached(target)) {
                if (++passed == LEVELS) {
                    return true;
                }
                target = now;
            }
            Thread.sleep(100);
        }
        return false;
    }
}
