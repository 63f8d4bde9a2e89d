package io.tokenwatch.streams.ordering;

import org.apache.kafka.streams.processor.StreamPartitioner;

import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Sends progress markers to every partition (multicast) and deltas where the default partitioner
 * would, so interactive queries still find a group's state by its key.
 */
public final class MarkersToEveryPartition<K> implements StreamPartitioner<K, Sequenced> {
    @Override
    public Optional<Set<Integer>> partitions(String topic, K key, Sequenced value, int numPartitions) {
        if (value == null || !value.isMarker()) {
            return Optional.empty();
        }
        return Optional.of(IntStream.range(0, numPartitions).boxed().collect(Collectors.toSet()));
    }
}
