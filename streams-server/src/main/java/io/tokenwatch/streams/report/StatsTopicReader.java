package io.tokenwatch.streams.report;

import io.tokenwatch.events.v1.GroupWindowStats;
import io.tokenwatch.runtime.CannotStartException;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.kafka.TopicSnapshot;
import io.tokenwatch.serde.KafkaAvroDeserializer;
import org.apache.kafka.clients.consumer.ConsumerConfig;

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
    /** The latest stats per window, the records read, and the records skipped by reason. */
    public record Result(List<GroupWindowStats> latest, long records, Map<String, Long> skipped) {
    }

    /** Reading the stats topic of a long-running pipeline may take a while; a stuck broker must not hang the report for ever. */
    private static final Duration READ_WITHIN = Duration.ofMinutes(30);

    private StatsTopicReader() {
    }

    public static List<GroupWindowStats> readAll(TokenwatchConfig config) {
        return read(config, (done, total) -> { }).latest();
    }

    public static Result read(TokenwatchConfig config, TopicSnapshot.Progress progress) {
        Map<String, Object> serdeProps = new HashMap<>(config.kafkaProperties());
        serdeProps.put("specific.avro.reader", "true");
        List<GroupWindowStats> stats = new ArrayList<>();
        Map<String, Long> skipped = new TreeMap<>();
        long[] records = {0};
        try (KafkaAvroDeserializer values = new KafkaAvroDeserializer()) {
            values.configure(serdeProps, false);
            boolean exists = TopicSnapshot.read(config.clientProperties(ConsumerConfig.configNames()), config.statsTopic, READ_WITHIN, r -> {
                records[0]++;
                if (r.value() == null) {
                    return; // a deleted window (compaction tombstone)
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
            }, progress);
            if (!exists) {
                throw new CannotStartException("topic " + config.statsTopic + " does not exist at bootstrap.servers="
                        + config.kafkaProperties().get("bootstrap.servers") + " (it is created when `run` or the demo starts)");
            }
        }
        return new Result(FootprintReport.latestPerWindow(stats), records[0], skipped);
    }
}
