package io.tokenwatch.streams.report;

import io.tokenwatch.events.v1.GroupWindowStats;
import io.tokenwatch.serde.KafkaAvroDeserializer;
import io.tokenwatch.streams.app.CannotStartException;
import io.tokenwatch.streams.config.TokenwatchConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the (compacted) window-stats topic from its beginning to its current end: the latest stats
 * of every window. A record that cannot be read is skipped and counted with its reason, never fatal.
 */
public final class StatsTopicReader {
    /** Called as the topic is read: offsets passed so far of those there were when reading began (transaction markers take offsets too). */
    public interface Progress {
        void read(long done, long total);
    }

    /** The latest stats per window, the records read, and the records skipped by reason. */
    public record Result(List<GroupWindowStats> latest, long records, Map<String, Long> skipped) {
    }

    private StatsTopicReader() {
    }

    public static List<GroupWindowStats> readAll(TokenwatchConfig config) {
        return read(config, (done, total) -> { }).latest();
    }

    public static Result read(TokenwatchConfig config, Progress progress) {
        Map<String, Object> props = config.clientProperties(ConsumerConfig.configNames());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, Object> serdeProps = new HashMap<>(config.kafkaProperties());
        serdeProps.put("specific.avro.reader", "true");
        List<GroupWindowStats> stats = new ArrayList<>();
        Map<String, Long> skipped = new TreeMap<>();
        long records = 0;
        try (KafkaAvroDeserializer values = new KafkaAvroDeserializer();
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            values.configure(serdeProps, false);
            List<TopicPartition> partitions = consumer.partitionsFor(config.statsTopic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            if (partitions.isEmpty()) {
                throw new CannotStartException("topic " + config.statsTopic + " does not exist at bootstrap.servers="
                        + config.kafkaProperties().get("bootstrap.servers") + " (it is created when `run` or the demo starts)");
            }
            consumer.assign(partitions);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long total = partitions.stream().mapToLong(tp -> end.get(tp) - begin.get(tp)).sum();
            consumer.seekToBeginning(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
                        continue; // written after reading began
                    }
                    records++;
                    if (r.value() == null) {
                        continue; // a deleted window (compaction tombstone)
                    }
                    try {
                        if (values.deserialize(r.topic(), r.headers(), r.value()) instanceof GroupWindowStats s) {
                            stats.add(s);
                        } else {
                            skipped.merge("not window stats", 1L, Long::sum);
                        }
                    } catch (RuntimeException e) {
                        skipped.merge(String.valueOf(e.getMessage()), 1L, Long::sum);
                    }
                }
                progress.read(partitions.stream().mapToLong(tp -> Math.min(consumer.position(tp), end.get(tp)) - begin.get(tp)).sum(), total);
            }
        }
        return new Result(FootprintReport.latestPerWindow(stats), records, skipped);
    }
}
