package io.tokenwatch.runtime.kafka;

import io.tokenwatch.serde.KafkaAvroDeserializer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.util.HashMap;
import java.util.Map;

/**
 * A consumer of the pipeline's output topics as users see them: committed records only (the
 * topology writes in transactions) and values as the generated Avro classes.
 */
public final class OutputTopicConsumer {
    private OutputTopicConsumer() {
    }

    /** {@code settings} holds at least bootstrap.servers and schema.registry.url; a group.id when subscribing. */
    public static KafkaConsumer<String, Object> create(Map<String, ?> settings) {
        Map<String, Object> props = new HashMap<>(settings);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put("specific.avro.reader", "true");
        KafkaAvroDeserializer values = new KafkaAvroDeserializer();
        values.configure(props, false);
        return new KafkaConsumer<>(props, new StringDeserializer(), values);
    }
}
