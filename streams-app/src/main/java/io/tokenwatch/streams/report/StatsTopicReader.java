package io.tokenwatch.streams.report;

import io.tokenwatch.events.v1.GroupWindowStats;
import io.tokenwatch.streams.app.OutputTopicConsumer;
import io.tokenwatch.streams.config.TokenwatchConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads the (compacted) window-stats topic from its beginning to its current end: the latest stats of every window. */
public final class StatsTopicReader {
    private StatsTopicReader() {
    }

    public static List<GroupWindowStats> readAll(TokenwatchConfig config) {
        Map<String, Object> props = new HashMap<>(config.kafkaProperties());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        List<GroupWindowStats> stats = new ArrayList<>();
        try (KafkaConsumer<String, Object> consumer = OutputTopicConsumer.create(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(config.statsTopic).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, Object> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.value() instanceof GroupWindowStats s) {
                        stats.add(s);
                    }
                }
            }
        }
        return FootprintReport.latestPerWindow(stats);
    }
}
