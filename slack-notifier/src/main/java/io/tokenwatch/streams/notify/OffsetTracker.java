package io.tokenwatch.streams.notify;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Which offsets may be committed: a partition's offset only moves past a record once that record and
 * every one before it is finished (posted, skipped as already posted, or dead-lettered). Alerts for
 * different webhooks finish out of order; the commit never gets ahead of the oldest unfinished one,
 * so a restart re-reads (and the ledger de-duplicates) instead of losing.
 */
public final class OffsetTracker {
    private final Map<TopicPartition, TreeSet<Long>> unfinished = new HashMap<>();
    private final Map<TopicPartition, Long> nextToRead = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();

    public void read(TopicPartition partition, long offset) {
        nextToRead.merge(partition, offset + 1, Math::max);
    }

    public void started(TopicPartition partition, long offset) {
        read(partition, offset);
        unfinished.computeIfAbsent(partition, p -> new TreeSet<>()).add(offset);
    }

    public void finished(TopicPartition partition, long offset) {
        TreeSet<Long> open = unfinished.get(partition);
        if (open != null) {
            open.remove(offset);
        }
    }

    /** Offsets that moved since the last call, ready to commit. */
    public Map<TopicPartition, OffsetAndMetadata> committable() {
        Map<TopicPartition, OffsetAndMetadata> result = new HashMap<>();
        nextToRead.forEach((partition, next) -> {
            TreeSet<Long> open = unfinished.get(partition);
            long safe = open == null || open.isEmpty() ? next : open.first();
            if (!Long.valueOf(safe).equals(committed.get(partition))) {
                result.put(partition, new OffsetAndMetadata(safe));
            }
        });
        return result;
    }

    public void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((partition, offset) -> committed.put(partition, offset.offset()));
    }

    public void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(p -> {
            unfinished.remove(p);
            nextToRead.remove(p);
            committed.remove(p);
        });
    }
}
