package io.tokenwatch.serde;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.util.HashMap;
import java.util.Map;

/**
 * A Kafka Streams serde for generated Avro classes, configured like
 * {@code io.confluent.kafka.streams.serdes.avro.SpecificAvroSerde} (it forces
 * {@code specific.avro.reader=true}).
 */
public class SpecificAvroSerde<T extends SpecificRecord> implements Serde<T> {
    private final KafkaAvroSerializer serializer = new KafkaAvroSerializer();
    private final KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer();

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Map<String, Object> specific = new HashMap<>(configs);
        specific.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, "true");
        serializer.configure(specific, isKey);
        deserializer.configure(specific, isKey);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Serializer<T> serializer() {
        return (topic, data) -> serializer.serialize(topic, data);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Deserializer<T> deserializer() {
        return (topic, data) -> (T) deserializer.deserialize(topic, data);
    }
}
