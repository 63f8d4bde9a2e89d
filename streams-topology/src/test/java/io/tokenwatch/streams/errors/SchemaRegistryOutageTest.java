package io.tokenwatch.streams.errors;

import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.registry.MockSchemaRegistry;
import io.tokenwatch.registry.SchemaRegistryException;
import io.tokenwatch.serde.KafkaAvroDeserializer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchemaRegistryOutageTest {
    /** A serde whose registry answers 503 for the first {@code failures} calls, then works. */
    private static Serde<String> flaky(int failures, int httpStatus, AtomicInteger calls) {
        Serializer<String> serializer = (topic, value) -> {
            if (calls.incrementAndGet() <= failures) {
                throw new SerializationException("Cannot get a schema id", new SchemaRegistryException("answered " + httpStatus, httpStatus, 50001, null));
            }
            return value.getBytes(StandardCharsets.UTF_8);
        };
        Deserializer<String> deserializer = (topic, bytes) -> new String(bytes, StandardCharsets.UTF_8);
        return Serdes.serdeFrom(serializer, deserializer);
    }

    @Test
    void anUnreachableRegistryIsWaitedForAndTheRecordGoesThrough() {
        AtomicInteger calls = new AtomicInteger();
        Serde<String> serde = new SchemaRegistryOutage(Duration.ofSeconds(30)).wrap(flaky(3, 503, calls));
        assertThat(serde.serializer().serialize("llm.calls.joined.v1", "joined")).asString(StandardCharsets.UTF_8).isEqualTo("joined");
        assertThat(calls).hasValue(4);
    }

    @Test
    void anOutageLongerThanTheTimeoutFailsTheInstanceAndIsNeverDeadLettered() {
        Serde<String> serde = new SchemaRegistryOutage(Duration.ofMillis(300)).wrap(flaky(Integer.MAX_VALUE, 503, new AtomicInteger()));
        assertThatThrownBy(() -> serde.serializer().serialize("llm.calls.joined.v1", "joined"))
                .isInstanceOf(SchemaRegistryOutage.Unavailable.class)
                .hasMessageContaining("tokenwatch.registry.unavailable.timeout=PT0.3S")
                .satisfies(e -> assertThat(SchemaRegistryOutage.causedBy(e)).isTrue());
    }

    @Test
    void revokedCredentialsAndRateLimitsAreWaitedForLikeAnOutage() {
        for (int status : new int[] {401, 403, 408, 429, 500, 503}) {
            AtomicInteger calls = new AtomicInteger();
            Serde<String> serde = new SchemaRegistryOutage(Duration.ofSeconds(30)).wrap(flaky(2, status, calls));
            assertThat(serde.serializer().serialize("llm.calls.joined.v1", "joined")).as("HTTP " + status).asString(StandardCharsets.UTF_8).isEqualTo("joined");
            assertThat(calls).as("HTTP " + status + " retried").hasValue(3);
        }
    }

    @Test
    void aRecordDeclaringMoreThanItHoldsIsBadInputNotAnOutage() {
        int id = MockSchemaRegistry.forScope("outage-test").register("llm.calls.v1-value", LlmCall.getClassSchema());
        KafkaAvroDeserializer deserializer = new KafkaAvroDeserializer();
        deserializer.configure(Map.of("schema.registry.url", "mock://outage-test", "specific.avro.reader", "true"), false);
        byte[] bomb = ByteBuffer.allocate(10).put((byte) 0).putInt(id).put(new byte[] {(byte) 0x80, (byte) 0xd0, (byte) 0xac, (byte) 0xf3, 0x0e}).array();
        AtomicInteger calls = new AtomicInteger();
        Deserializer<Object> counting = (topic, bytes) -> {
            calls.incrementAndGet();
            return deserializer.deserialize(topic, bytes);
        };
        Serde<Object> serde = new SchemaRegistryOutage(Duration.ofSeconds(30)).wrap(Serdes.serdeFrom((topic, v) -> new byte[0], counting));
        assertThatThrownBy(() -> serde.deserializer().deserialize("llm.calls.v1", bomb)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("string length 2000000000 over the limit")
                .satisfies(e -> assertThat(SchemaRegistryOutage.isOutage(e)).isFalse());
        assertThat(calls).as("not retried").hasValue(1);
        MockSchemaRegistry.dropScope("outage-test");
    }

    @Test
    void aRegistryThatAnswersNotFoundIsBadInputNotAnOutage() {
        AtomicInteger calls = new AtomicInteger();
        Serde<String> serde = new SchemaRegistryOutage(Duration.ofSeconds(30)).wrap(flaky(1, 404, calls));
        assertThatThrownBy(() -> serde.serializer().serialize("llm.calls.v1", "call")).isInstanceOf(SerializationException.class)
                .isNotInstanceOf(SchemaRegistryOutage.Unavailable.class);
        assertThat(calls).as("not retried").hasValue(1);
    }
}
