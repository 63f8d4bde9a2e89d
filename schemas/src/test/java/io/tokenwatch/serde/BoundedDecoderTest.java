package io.tokenwatch.serde;

import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.registry.MockSchemaRegistry;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BoundedDecoderTest {
    private final String scope = "bounded-" + UUID.randomUUID();

    @AfterEach
    void dropRegistry() {
        MockSchemaRegistry.dropScope(scope);
    }

    @Test
    void theIssuesTenByteRecordDeclaringATwoGigabyteCallIdIsMalformedNotAnOutOfMemoryError() {
        int id = MockSchemaRegistry.forScope(scope).register("llm.calls.v1-value", LlmCall.getClassSchema());
        byte[] bomb = ByteBuffer.allocate(10).put((byte) 0).putInt(id).put(new byte[] {(byte) 0x80, (byte) 0xd0, (byte) 0xac, (byte) 0xf3, 0x0e}).array();
        assertThatThrownBy(() -> deserializer(Map.of()).deserialize("llm.calls.v1", bomb))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("string length 2000000000 over the limit of 1048576 bytes");
    }

    @Test
    void everyContractRecordStillRoundTrips() {
        KafkaAvroSerializer serializer = new KafkaAvroSerializer();
        serializer.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + scope), false);
        KafkaAvroDeserializer deserializer = deserializer(Map.of());
        for (SpecificRecord record : SampleEvents.all()) {
            String topic = "round-trip-" + record.getSchema().getName();
            assertThat(deserializer.deserialize(topic, serializer.serialize(topic, record))).isEqualTo(record);
        }
    }

    @Test
    void aStringLongerThanTheBytesLeftIsRefusedBeforeAllocating() {
        // Length 1,000 (zig-zag 2,000 = d0 0f) with 3 bytes behind it: well under the limit, but not there.
        assertThatThrownBy(() -> decode("{\"type\":\"record\",\"name\":\"S\",\"fields\":[{\"name\":\"s\",\"type\":\"string\"}]}",
                new byte[] {(byte) 0xd0, 0x0f, 'a', 'b', 'c'}, DecodeLimits.DEFAULT))
                .hasMessage("string length 1000 with only 3 bytes left in the record");
    }

    @Test
    void bytesArraysAndMapsAreBoundedToo() throws Exception {
        String bytes = "{\"type\":\"record\",\"name\":\"B\",\"fields\":[{\"name\":\"b\",\"type\":\"bytes\"}]}";
        assertThatThrownBy(() -> decode(bytes, new byte[] {(byte) 0x80, (byte) 0xd0, (byte) 0xac, (byte) 0xf3, 0x0e}, DecodeLimits.DEFAULT))
                .hasMessageContaining("bytes length 2000000000 over the limit");
        String array = "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"long\"}}]}";
        assertThatThrownBy(() -> decode(array, new byte[] {(byte) 0x80, (byte) 0xd0, (byte) 0xac, (byte) 0xf3, 0x0e, 2, 4}, DecodeLimits.DEFAULT))
                .hasMessage("array block declares 2000000000 items with 2 bytes left in the record");
        String map = "{\"type\":\"record\",\"name\":\"M\",\"fields\":[{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"string\"}}]}";
        // A negative count (-3e8, with a byte size) is a block count too.
        assertThatThrownBy(() -> decode(map, new byte[] {(byte) 0xff, (byte) 0x8b, (byte) 0x8d, (byte) 0x9e, 0x02, 0x02, 0, 0}, DecodeLimits.DEFAULT))
                .hasMessage("map block declares 300000000 items with 2 bytes left in the record");
        // Three items over three blocks, each block small: the record's budget of 2 items counts them all.
        assertThatThrownBy(() -> decode(array, new byte[] {2, 2, 2, 4, 2, 6, 0}, new DecodeLimits(100, 100, 2)))
                .hasMessageContaining("record declares more than 2 collection items");
        assertThat(decode(array, new byte[] {2, 2, 2, 4, 0}, new DecodeLimits(100, 100, 2)).get("a").toString()).isEqualTo("[1, 2]");
    }

    @Test
    void aTruncatedRecordEndsEarlyAndATooLongVarintIsRefused() {
        String longs = "{\"type\":\"record\",\"name\":\"L\",\"fields\":[{\"name\":\"l\",\"type\":\"long\"},{\"name\":\"d\",\"type\":\"double\"}]}";
        assertThatThrownBy(() -> decode(longs, new byte[] {2, 0, 0}, DecodeLimits.DEFAULT)).hasMessageContaining("record ends early");
        byte[] eleven = new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
                (byte) 0x80, (byte) 0x80, 1};
        assertThatThrownBy(() -> decode(longs, eleven, DecodeLimits.DEFAULT)).hasMessage("varint longer than 10 bytes");
    }

    @Test
    void limitsAreSetInTheSerdeConfiguration() {
        KafkaAvroSerializer serializer = new KafkaAvroSerializer();
        serializer.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + scope), false);
        byte[] call = serializer.serialize("t", SampleEvents.call());
        assertThatThrownBy(() -> deserializer(Map.of(DecodeLimits.MAX_STRING_BYTES, "4")).deserialize("t", call))
                .hasMessageContaining("string length 6 over the limit of 4 bytes (avro.decode.max.string.bytes)");
    }

    private KafkaAvroDeserializer deserializer(Map<String, String> extra) {
        KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer();
        Map<String, Object> config = new java.util.HashMap<>(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + scope,
                AvroSerdeConfig.SPECIFIC_AVRO_READER, "true"));
        config.putAll(extra);
        deserializer.configure(config, false);
        return deserializer;
    }

    private static GenericRecord decode(String schemaJson, byte[] body, DecodeLimits limits) throws Exception {
        Schema schema = new Schema.Parser().parse(schemaJson);
        return new GenericDatumReader<GenericRecord>(schema).read(null, new BoundedDecoder(body, 0, body.length, limits));
    }
}
