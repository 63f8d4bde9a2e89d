package io.tokenwatch.serde;

import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;

import java.util.Locale;

/**
 * How a subject name is derived, with the same names as Confluent's strategies: a config that names
 * {@code io.confluent.kafka.serializers.subject.TopicNameStrategy} works here unchanged.
 */
public enum SubjectNameStrategy {
    /** {@code <topic>-key} / {@code <topic>-value} (the default). */
    TOPIC_NAME("TopicNameStrategy") {
        @Override
        public String subject(String topic, boolean isKey, Schema schema) {
            return topic + (isKey ? "-key" : "-value");
        }
    },
    /** The record's full name. */
    RECORD_NAME("RecordNameStrategy") {
        @Override
        public String subject(String topic, boolean isKey, Schema schema) {
            return schema.getFullName();
        }
    },
    /** {@code <topic>-<full name>}. */
    TOPIC_RECORD_NAME("TopicRecordNameStrategy") {
        @Override
        public String subject(String topic, boolean isKey, Schema schema) {
            return topic + "-" + schema.getFullName();
        }
    };

    private final String simpleClassName;

    SubjectNameStrategy(String simpleClassName) {
        this.simpleClassName = simpleClassName;
    }

    public abstract String subject(String topic, boolean isKey, Schema schema);

    /** Accepts a Confluent class name, a simple class name, or this enum's name. */
    public static SubjectNameStrategy parse(String key, String value) {
        String simple = value.substring(value.lastIndexOf('.') + 1).trim();
        for (SubjectNameStrategy strategy : values()) {
            if (strategy.simpleClassName.equalsIgnoreCase(simple) || strategy.name().equalsIgnoreCase(simple.toUpperCase(Locale.ROOT))) {
                return strategy;
            }
        }
        throw new ConfigException(key, value, "expected TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy");
    }
}
