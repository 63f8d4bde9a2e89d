package io.tokenwatch.streams.topology;

import io.tokenwatch.streams.errors.DeadLetterHandler;
import org.apache.kafka.streams.StreamsConfig;

import java.util.Map;
import java.util.Properties;

/** Kafka Streams properties for the topology: the user's, plus what the pipeline relies on. */
public final class StreamsSettings {
    private StreamsSettings() {
    }

    /** {@code user}: the Kafka Streams and serde properties as configured; {@code replication} -1 keeps the broker default. */
    public static Properties of(Map<String, ?> user, String dlqTopic, short replication) {
        Properties props = new Properties();
        props.putAll(user);
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class.getName());
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class.getName());
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class.getName());
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, dlqTopic);
        // No global stores here; the handler covers them anyway (Kafka Streams 5.0's default, and it warns until set).
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        if (replication > 0) {
            props.putIfAbsent(StreamsConfig.REPLICATION_FACTOR_CONFIG, Short.toString(replication));
        }
        return props;
    }
}
