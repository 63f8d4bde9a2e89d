package io.tokenwatch.streams.topology;

import io.tokenwatch.streams.config.TokenwatchConfig;
import io.tokenwatch.streams.errors.DeadLetterHandler;
import org.apache.kafka.streams.StreamsConfig;

import java.util.Properties;

/** Kafka Streams properties for the topology: the user's, plus what the pipeline relies on. */
public final class StreamsSettings {
    private StreamsSettings() {
    }

    public static Properties of(TokenwatchConfig config) {
        Properties props = config.streamsProperties();
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class.getName());
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class.getName());
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class.getName());
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, config.dlqTopic);
        // No global stores here; the handler covers them anyway (Kafka Streams 5.0's default, and it warns until set).
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        if (config.topicReplication > 0) {
            props.putIfAbsent(StreamsConfig.REPLICATION_FACTOR_CONFIG, Short.toString(config.topicReplication));
        }
        return props;
    }
}
