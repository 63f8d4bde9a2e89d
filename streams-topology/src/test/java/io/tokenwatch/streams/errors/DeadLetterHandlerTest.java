package io.tokenwatch.streams.errors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DeadLetterHandlerTest {
    private static final byte[] EXPORT = "an OTLP export with SECRET PROMPT TEXT".getBytes(StandardCharsets.UTF_8);

    private static ProducerRecord<byte[], byte[]> deadLetter(boolean omitSourceBytes) {
        Map<String, Object> configs = new HashMap<>(Map.of(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, "llm.dlq.v1"));
        if (omitSourceBytes) {
            configs.put(DeadLetterHandler.OMIT_SOURCE_BYTES, "true");
        }
        DeadLetterHandler handler = new DeadLetterHandler();
        handler.configure(configs);
        Headers headers = new RecordHeaders().add("traceparent", "SECRET HEADER".getBytes(StandardCharsets.UTF_8));
        ConsumerRecord<byte[], byte[]> source = new ConsumerRecord<>("otel.traces", 2, 41, "key".getBytes(StandardCharsets.UTF_8), EXPORT);
        return handler.handleError(context(headers), source, new SerializationException("Malformed Avro body")).deadLetterQueueRecords().get(0);
    }

    @Test
    void aTopologyThatMayReadPromptTextDeadLettersTheReasonAndPositionOnly() {
        ProducerRecord<byte[], byte[]> dead = deadLetter(true);
        assertThat(dead.value()).isNull();
        assertThat(dead.key()).isNull();
        assertThat(dead.headers().lastHeader("traceparent")).as("the source's headers are left out too").isNull();
        assertThat(new String(dead.headers().lastHeader(DeadLetterHandler.REASON_HEADER).value(), StandardCharsets.UTF_8)).isEqualTo("malformed");
        assertThat(new String(dead.headers().lastHeader(DeadLetterHandler.HEADER_OFFSET).value(), StandardCharsets.UTF_8)).isEqualTo("41");
    }

    @Test
    void otherwiseTheSourceRecordIsKeptWhole() {
        ProducerRecord<byte[], byte[]> dead = deadLetter(false);
        assertThat(dead.value()).isEqualTo(EXPORT);
        assertThat(dead.headers().lastHeader("traceparent")).isNotNull();
    }

    private static ErrorHandlerContext context(Headers headers) {
        return new ErrorHandlerContext() {
            @Override public String topic() { return "otel.traces"; }
            @Override public int partition() { return 2; }
            @Override public long offset() { return 41; }
            @Override public Headers headers() { return headers; }
            @Override public String processorNodeId() { return "otlp-exports"; }
            @Override public TaskId taskId() { return new TaskId(0, 2); }
            @Override public long timestamp() { return 0; }
            @Override public byte[] sourceRawKey() { return "key".getBytes(StandardCharsets.UTF_8); }
            @Override public byte[] sourceRawValue() { return EXPORT; }
        };
    }
}
