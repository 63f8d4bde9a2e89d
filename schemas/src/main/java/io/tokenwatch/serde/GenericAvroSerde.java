package io.tokenwatch.serde;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.util.HashMap;
import java.util.Map;

/**
 * A Kafka Streams serde for generic Avro records, configured like
 * {@code io.confluent.kafka.streams.serdes.avro.GenericAvroSerde}.
 */
public class GenericAvroSerde implements Serde<GenericRecord> {
    private final KafkaAvroSerializer serializer = new KafkaAvroSerializer();
    private final KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer();

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Map<String, Object> generic = new HashMap<>(configs);
        generic.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, "false");
        serializer.configure(generic, isKey);
        deserializer.configure(generic, isKey);
    }

    @Override
    public Serializer<GenericRecord> serializer() {
        return serializer::serialize;
    }

    @Override
    public Deserializer<GenericRecord> deserializer() {
        return (topic, data) -> (GenericRecord) deserializer.deserialize(topic, data);
    }
}
