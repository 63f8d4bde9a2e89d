package io.tokenwatch.serde;

import io.tokenwatch.registry.SchemaRegistryClient;
import io.tokenwatch.registry.SchemaRegistryException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes Avro records (specific or generic) in Confluent's wire format, registering or looking up
 * their schema as configured. A drop-in for {@code io.confluent.kafka.serializers.KafkaAvroSerializer}
 * for record values.
 */
public class KafkaAvroSerializer implements Serializer<Object> {
    private static final ThreadLocal<BinaryEncoder> ENCODER = new ThreadLocal<>();

    private final Map<Schema, DatumWriter<Object>> writers = new ConcurrentHashMap<>();
    private final Map<SchemaKey, SchemaAndId> ids = new ConcurrentHashMap<>();
    private AvroSerdeConfig config;
    private SchemaRegistryClient registry;
    private boolean isKey;

    public KafkaAvroSerializer() {
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.config = new AvroSerdeConfig(configs, isKey);
        this.registry = config.registryClient();
        this.isKey = isKey;
    }

    @Override
    public byte[] serialize(String topic, Object data) {
        if (data == null) {
            return null;
        }
        if (!(data instanceof IndexedRecord record)) {
            throw new SerializationException("Cannot serialize " + data.getClass().getName() + " for topic '" + topic
                    + "': only Avro records (specific or generic) are supported");
        }
        SchemaAndId target = ids.computeIfAbsent(new SchemaKey(topic, record.getSchema()), this::resolve);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            ByteBuffer header = ByteBuffer.allocate(WireFormat.HEADER_SIZE);
            WireFormat.writeHeader(header, target.id);
            out.write(header.array());
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, ENCODER.get());
            ENCODER.set(encoder);
            writers.computeIfAbsent(target.schema, schema -> writerFor(schema, record)).write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Cannot serialize " + record.getSchema().getFullName() + " for topic '" + topic
                    + "' with schema id " + target.id + ": " + e.getMessage(), e);
        }
    }

    private SchemaAndId resolve(SchemaKey key) {
        String subject = config.subjectNameStrategy.subject(key.topic, isKey, key.schema);
        try {
            if (config.autoRegister) {
                return new SchemaAndId(key.schema, registry.register(subject, key.schema));
            }
            if (config.useLatestVersion) {
                SchemaRegistryClient.SubjectVersion latest = registry.latest(subject);
                return new SchemaAndId(latest.schema(), latest.id());
            }
            return new SchemaAndId(key.schema, registry.lookupId(subject, key.schema));
        } catch (SchemaRegistryException e) {
            throw new SerializationException("Cannot get a schema id for subject '" + subject + "' (topic '" + key.topic + "'): "
                    + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static DatumWriter<Object> writerFor(Schema schema, IndexedRecord sample) {
        if (sample instanceof SpecificRecord) {
            return new SpecificDatumWriter<>(schema, SpecificData.getForClass(sample.getClass()));
        }
        return new GenericDatumWriter<>(schema, GenericData.get());
    }

    private record SchemaKey(String topic, Schema schema) {
    }

    private record SchemaAndId(Schema schema, int id) {
    }
}
