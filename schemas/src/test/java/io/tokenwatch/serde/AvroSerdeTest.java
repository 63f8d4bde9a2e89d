package io.tokenwatch.serde;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenwatch.events.v1.CallOutcome;
import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.Outcome;
import io.tokenwatch.registry.LocalSchemaRegistryServer;
import io.tokenwatch.registry.MockSchemaRegistry;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AvroSerdeTest {
    private String scope;
    private Map<String, Object> config;

    @BeforeEach
    void freshRegistry() {
        scope = "serde-" + UUID.randomUUID();
        config = new HashMap<>(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + scope));
    }

    @AfterEach
    void dropRegistry() {
        MockSchemaRegistry.dropScope(scope);
    }

    private <T extends SpecificRecord> SpecificAvroSerde<T> specificSerde() {
        SpecificAvroSerde<T> serde = new SpecificAvroSerde<>();
        serde.configure(config, false);
        return serde;
    }

    private GenericAvroSerde genericSerde() {
        GenericAvroSerde serde = new GenericAvroSerde();
        serde.configure(config, false);
        return serde;
    }

    @Test
    void decodesAByteVectorWorkedOutFromTheWireFormat() {
        // Registered first in an empty registry, so CallOutcome gets id 1.
        assertThat(MockSchemaRegistry.forScope(scope).register("llm.outcomes.v1-value", CallOutcome.getClassSchema())).isEqualTo(1);
        byte[] vector = {
                0x00, 0x00, 0x00, 0x00, 0x01,                  // magic byte, schema id 1 (big-endian)
                0x04, 'c', '1',                                // call_id: length 2 (zig-zag 4), "c1"
                0x04,                                          // outcome: enum index 2 = REJECTED
                (byte) 0xD0, 0x0F,                             // decided_at: 1000 ms, zig-zag 2000 as varint
                0x00,                                          // decided_by: union branch 0 = null
                0x02, 0x08, 'P', 'R', '-', '7'};               // artifact: branch 1, length 4, "PR-7"
        CallOutcome expected = CallOutcome.newBuilder().setCallId("c1").setOutcome(Outcome.REJECTED)
                .setDecidedAt(Instant.ofEpochMilli(1000)).setDecidedBy(null).setArtifact("PR-7").build();

        SpecificAvroSerde<CallOutcome> serde = specificSerde();
        assertThat(serde.deserializer().deserialize("llm.outcomes.v1", vector)).isEqualTo(expected);
        assertThat(serde.serializer().serialize("llm.outcomes.v1", expected)).containsExactly(vector);

        GenericRecord generic = genericSerde().deserializer().deserialize("llm.outcomes.v1", vector);
        assertThat(generic.get("call_id").toString()).isEqualTo("c1");
        assertThat(generic.get("outcome").toString()).isEqualTo("REJECTED");
        assertThat(generic.get("decided_at")).isEqualTo(1000L);
    }

    @Test
    void everyContractSchemaRoundTripsSpecificAndGeneric() {
        SpecificAvroSerde<SpecificRecord> specific = specificSerde();
        GenericAvroSerde generic = genericSerde();
        for (SpecificRecord record : SampleEvents.all()) {
            String topic = "topic-" + record.getSchema().getName();
            byte[] bytes = specific.serializer().serialize(topic, record);
            assertThat(bytes[0]).isZero();
            assertThat(specific.deserializer().deserialize(topic, bytes)).isEqualTo(record);

            GenericRecord asGeneric = generic.deserializer().deserialize(topic, bytes);
            assertThat(asGeneric.getSchema()).isEqualTo(record.getSchema());
            byte[] again = generic.serializer().serialize(topic, asGeneric);
            assertThat(again).containsExactly(bytes);
        }
        assertThat(MockSchemaRegistry.forScope(scope).latest("topic-LlmCall-value").schema()).isEqualTo(LlmCall.getClassSchema());
    }

    @Test
    void recordNameStrategyRegistersUnderTheRecordFullName() {
        config.put(AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY, "io.confluent.kafka.serializers.subject.RecordNameStrategy");
        specificSerde().serializer().serialize("llm.calls.v1", SampleEvents.call());
        assertThat(MockSchemaRegistry.forScope(scope).latest("io.tokenwatch.events.v1.LlmCall").id()).isPositive();
    }

    @Test
    void withoutAutoRegisterTheSchemaMustAlreadyBeThere() {
        config.put(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "false");
        assertThatThrownBy(() -> specificSerde().serializer().serialize("llm.calls.v1", SampleEvents.call()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("subject 'llm.calls.v1-value'").hasMessageContaining("not found");
        int id = MockSchemaRegistry.forScope(scope).register("llm.calls.v1-value", LlmCall.getClassSchema());
        byte[] bytes = specificSerde().serializer().serialize("llm.calls.v1", SampleEvents.call());
        assertThat(Arrays.copyOfRange(bytes, 1, 5)).containsExactly(0, 0, 0, id);
    }

    @Test
    void newerWriterIsReadByOlderReaderAndOlderWriterByNewerReader() throws Exception {
        // Newer producer: LlmCall with one more field (with a default), as a generic record.
        Schema newer = withExtraField(LlmCall.getClassSchema(), "gpu_seconds", "double", 0.0);
        GenericData.Record fromNewer = copyInto(SampleEvents.call(), newer);
        fromNewer.put("gpu_seconds", 1.5);
        byte[] newerBytes = genericSerde().serializer().serialize("llm.calls.v1", fromNewer);
        assertThat(specificSerde().deserializer().deserialize("llm.calls.v1", newerBytes)).isEqualTo(SampleEvents.call());

        // Older producer: LlmCall without the reasoning_tokens field; the current class fills the default.
        Schema older = withoutField(LlmCall.getClassSchema(), "reasoning_tokens");
        byte[] olderBytes = genericSerde().serializer().serialize("llm.calls.old", copyInto(SampleEvents.call(), older));
        LlmCall read = (LlmCall) specificSerde().deserializer().deserialize("llm.calls.old", olderBytes);
        assertThat(read.getReasoningTokens()).isZero();
        assertThat(read.getInputTokens()).isEqualTo(12_000);
    }

    @Test
    void badBytesRaiseSerializationExceptionsThatNameTopicAndProblem() {
        SpecificAvroSerde<LlmCall> serde = specificSerde();
        byte[] good = serde.serializer().serialize("llm.calls.v1", SampleEvents.call());

        byte[] wrongMagic = good.clone();
        wrongMagic[0] = 0x7b;
        assertThatThrownBy(() -> serde.deserializer().deserialize("llm.calls.v1", wrongMagic))
                .isInstanceOf(SerializationException.class).hasMessageContaining("llm.calls.v1").hasMessageContaining("magic byte 0x7b");
        assertThatThrownBy(() -> serde.deserializer().deserialize("llm.calls.v1", new byte[]{0, 0, 1}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("shorter than the 5-byte header");
        assertThatThrownBy(() -> serde.deserializer().deserialize("llm.calls.v1", Arrays.copyOf(good, 20)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("Malformed Avro body on topic 'llm.calls.v1'");
        byte[] unknownId = good.clone();
        unknownId[4] = 99;
        assertThatThrownBy(() -> serde.deserializer().deserialize("llm.calls.v1", unknownId))
                .isInstanceOf(SerializationException.class).hasMessageContaining("unknown schema id 99");
        assertThat(serde.serializer().serialize("llm.calls.v1", null)).isNull();
        assertThat(serde.deserializer().deserialize("llm.calls.v1", null)).isNull();
    }

    @Test
    void registryDownIsASerializationExceptionNotAHang() throws Exception {
        String url;
        try (LocalSchemaRegistryServer server = new LocalSchemaRegistryServer(null)) {
            url = server.url();
        }
        config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, url);
        config.put(AvroSerdeConfig.REGISTRY_ATTEMPTS, "2");
        SpecificAvroSerde<LlmCall> serde = specificSerde();
        assertThatThrownBy(() -> serde.deserializer().deserialize("llm.calls.v1", new byte[]{0, 0, 0, 0, 7, 2}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("llm.calls.v1").hasMessageContaining("schema registry unavailable");
    }

    @Test
    void worksAgainstTheHttpRegistryWithConfluentConfigKeys() throws Exception {
        try (LocalSchemaRegistryServer server = new LocalSchemaRegistryServer("svc:pw")) {
            config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, server.url());
            config.put(AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "USER_INFO");
            config.put(AvroSerdeConfig.BASIC_AUTH_USER_INFO, "svc:pw");
            SpecificAvroSerde<CallOutcome> serde = specificSerde();
            byte[] bytes = serde.serializer().serialize("llm.outcomes.v1", SampleEvents.outcome());
            assertThat(serde.deserializer().deserialize("llm.outcomes.v1", bytes)).isEqualTo(SampleEvents.outcome());
            assertThat(server.requests()).anyMatch(r -> r.startsWith("POST /subjects/llm.outcomes.v1-value/versions"));
        }
    }

    @Test
    void invalidConfigNamesTheKey() {
        assertThatThrownBy(() -> new SpecificAvroSerde<LlmCall>().configure(Map.of(), false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("schema.registry.url");
        config.put(AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY, "SomethingElse");
        assertThatThrownBy(() -> specificSerde()).isInstanceOf(ConfigException.class).hasMessageContaining("value.subject.name.strategy");
    }

    private static Schema withExtraField(Schema schema, String name, String type, Object defaultValue) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(schema.toString());
        ObjectNode field = ((ArrayNode) root.get("fields")).addObject();
        field.put("name", name).put("type", type);
        field.set("default", json.valueToTree(defaultValue));
        return new Schema.Parser().parse(root.toString());
    }

    private static Schema withoutField(Schema schema, String name) throws Exception {
        ObjectNode root = (ObjectNode) new ObjectMapper().readTree(schema.toString());
        ArrayNode fields = (ArrayNode) root.get("fields");
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).get("name").asText().equals(name)) {
                fields.remove(i);
                break;
            }
        }
        return new Schema.Parser().parse(root.toString());
    }

    /** The specific record's field values, as raw Avro (logical types converted), in another schema. */
    private GenericData.Record copyInto(LlmCall call, Schema schema) {
        GenericRecord raw = genericSerde().deserializer().deserialize("copy", specificSerde().serializer().serialize("copy", call));
        GenericData.Record record = new GenericData.Record(schema);
        for (Schema.Field field : schema.getFields()) {
            if (raw.getSchema().getField(field.name()) != null) {
                record.put(field.name(), raw.get(field.name()));
            }
        }
        return record;
    }

    @Test
    void credentialsWrittenInRegistryUrlsAreMaskedForMessages() {
        assertThat(AvroSerdeConfig.masked("http://tokenwatch:s3cret@sr-1:8081,https://sr-2:8081,https://bob:p%40ss@sr-3"))
                .isEqualTo("http://tokenwatch:***@sr-1:8081,https://sr-2:8081,https://bob:***@sr-3");
    }
}
