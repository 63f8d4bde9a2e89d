package io.tokenwatch.serde;

import io.tokenwatch.registry.SchemaRegistryClient;
import io.tokenwatch.registry.SchemaRegistryException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.DatumReader;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads Confluent wire-format Avro. With {@code specific.avro.reader=true} it returns the generated
 * class named by the writer's schema, resolved against that class's (reader) schema, so readers on an
 * older or newer schema version both work; otherwise a {@link org.apache.avro.generic.GenericRecord}
 * in the writer's schema. Every failure is a {@link SerializationException} naming the topic; declared
 * lengths are bounded ({@link DecodeLimits}) before anything is allocated.
 */
public class KafkaAvroDeserializer implements Deserializer<Object> {
    private final Map<Integer, DatumReader<Object>> readers = new ConcurrentHashMap<>();
    private AvroSerdeConfig config;
    private SchemaRegistryClient registry;

    public KafkaAvroDeserializer() {
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.config = new AvroSerdeConfig(configs, isKey);
        this.registry = config.registryClient();
    }

    @Override
    public Object deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.wrap(data);
        int schemaId = WireFormat.readSchemaId(topic, buffer);
        DatumReader<Object> reader = readers.computeIfAbsent(schemaId, id -> readerFor(topic, id));
        try {
            return reader.read(null, new BoundedDecoder(data, buffer.position(), buffer.remaining(), config.decodeLimits));
        } catch (IOException | RuntimeException e) {
            // Lengths are bounded before allocating; a truncated or corrupt body surfaces as the decoder's own error, an
            // AvroRuntimeException, or an index or size error. Decoding bytes in memory does no I/O, so an IOException is
            // the record's fault too: not kept as the cause, which would read as a registry that cannot be reached.
            throw new SerializationException("Malformed Avro body on topic '" + topic + "' (schema id " + schemaId + ", "
                    + data.length + " bytes): " + e, e instanceof IOException ? null : e);
        }
    }

    private DatumReader<Object> readerFor(String topic, int schemaId) {
        Schema writer;
        try {
            writer = registry.schemaById(schemaId);
        } catch (SchemaRegistryException e) {
            String problem = !e.isUnavailable() ? "unknown schema id " + schemaId
                    : "schema registry unavailable for schema id " + schemaId;
            throw new SerializationException("Cannot read record on topic '" + topic + "': " + problem + ": " + e.getMessage(), e);
        }
        if (!config.specificReader) {
            return new GenericDatumReader<>(writer, writer, GenericData.get());
        }
        Class<?> type = SpecificData.get().getClass(writer);
        if (type == null) {
            throw new SerializationException("Cannot read record on topic '" + topic + "': specific.avro.reader is set but no class "
                    + writer.getFullName() + " is on the classpath (schema id " + schemaId + ")");
        }
        SpecificData model = SpecificData.getForClass(type);
        return new SpecificDatumReader<>(writer, model.getSchema(type), model);
    }
}
