package io.tokenwatch.streams.errors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Sends every record that cannot be processed to the dead-letter topic (Kafka Streams'
 * {@code errors.dead.letter.queue.topic.name}) with its original key and value bytes, the same
 * {@code __streams.errors.*} headers Kafka Streams writes, and a {@code tokenwatch.dlq.reason}
 * header, then lets processing continue. Counts records per reason for the metrics.
 */
public class DeadLetterHandler implements DeserializationExceptionHandler, ProcessingExceptionHandler, ProductionExceptionHandler {
    public static final String REASON_HEADER = "tokenwatch.dlq.reason";
    /**
     * Set to {@code true} for a topology whose input may carry prompt or completion text (the OTLP
     * intake): its dead letters then hold the reason and position only, never the source's key, value or headers.
     */
    public static final String OMIT_SOURCE_BYTES = "tokenwatch.dlq.omit.source.bytes";
    public static final String HEADER_EXCEPTION = "__streams.errors.exception";
    public static final String HEADER_MESSAGE = "__streams.errors.message";
    public static final String HEADER_STACKTRACE = "__streams.errors.stacktrace";
    public static final String HEADER_TOPIC = "__streams.errors.topic";
    public static final String HEADER_PARTITION = "__streams.errors.partition";
    public static final String HEADER_OFFSET = "__streams.errors.offset";

    /** The configuration key of the application's {@link DeadLetterCounts} (an object, put in the Kafka Streams properties). */
    public static final String COUNTS_CONFIG = "tokenwatch.dlq.counts";
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandler.class);

    private String dlqTopic;
    private boolean omitSourceBytes;
    private DeadLetterCounts counts;

    @Override
    public void configure(Map<String, ?> configs) {
        Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        if (topic == null) {
            throw new IllegalStateException(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG + " must be set");
        }
        dlqTopic = topic.toString();
        omitSourceBytes = Boolean.parseBoolean(String.valueOf(configs.get(OMIT_SOURCE_BYTES)));
        // A handler made without the application's counts (a test driver, say) counts on its own.
        counts = configs.get(COUNTS_CONFIG) instanceof DeadLetterCounts given ? given : new DeadLetterCounts();
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        return DeserializationExceptionHandler.Response.resume(List.of(deadLetter(context, record.key(), record.value(), exception)));
    }

    @Override
    public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (SchemaRegistryOutage.causedBy(exception)) {
            // Not bad input: the record is fine and must not be dead-lettered. Failing leaves it uncommitted for a restart.
            return ProcessingExceptionHandler.Response.fail();
        }
        return ProcessingExceptionHandler.Response.resume(List.of(deadLetter(context, context.sourceRawKey(), context.sourceRawValue(), exception)));
    }

    /** Sending failed: retried when Kafka says it may succeed, otherwise the instance stops without committing. */
    @Override
    public ProductionExceptionHandler.Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        return exception instanceof RetriableException ? ProductionExceptionHandler.Response.retry() : ProductionExceptionHandler.Response.fail();
    }

    /**
     * An output record could not be serialized. A registry outage fails the instance (nothing is
     * committed, nothing lost); anything else is a bug: the source record goes to the dead-letter topic.
     */
    @Override
    @SuppressWarnings("rawtypes")
    public ProductionExceptionHandler.Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
                                                                        SerializationExceptionOrigin origin) {
        if (SchemaRegistryOutage.causedBy(exception)) {
            return ProductionExceptionHandler.Response.fail();
        }
        return ProductionExceptionHandler.Response.resume(List.of(deadLetter(context, context.sourceRawKey(), context.sourceRawValue(), exception)));
    }

    public static DeadLetterReason reasonOf(Exception exception) {
        if (exception instanceof RejectedRecordException rejected) {
            return rejected.reason();
        }
        Throwable root = exception;
        while (root.getCause() != null && !(root instanceof SerializationException)) {
            root = root.getCause();
        }
        if (root instanceof SerializationException) {
            String message = String.valueOf(root.getMessage());
            if (message.contains("unknown schema id")) {
                return DeadLetterReason.UNKNOWN_SCHEMA_ID;
            }
            return DeadLetterReason.MALFORMED;
        }
        return DeadLetterReason.PROCESSING_ERROR;
    }

    private ProducerRecord<byte[], byte[]> deadLetter(ErrorHandlerContext context, byte[] key, byte[] value, Exception exception) {
        if (omitSourceBytes) {
            return record(counts, dlqTopic, context.topic(), context.partition(), context.offset(), null, null, null, exception);
        }
        return record(counts, dlqTopic, context.topic(), context.partition(), context.offset(), context.headers(), key, value, exception);
    }

    /**
     * The dead-letter record for one source record: original key, value and headers, plus the
     * {@code __streams.errors.*} headers and the reason. Counted and logged (rate-limited) here, so
     * every component that dead-letters (the topology, the Slack notifier) reports the same way.
     */
    public static ProducerRecord<byte[], byte[]> record(DeadLetterCounts counts, String dlqTopic, String topic, int partition, long offset,
                                                        Headers original, byte[] key, byte[] value, Exception exception) {
        String reason = reasonOf(exception).id();
        long count = counts.increment(reason);
        // Every record is counted; the log line is limited (1, 2, 4, ... then every 1000th per reason) so a flood cannot drown the log.
        if (Long.bitCount(count) == 1 || count % 1000 == 0) {
            LOG.warn("Dead-lettering record {}-{}@{} to {} ({} so far for '{}'): {}", topic, partition, offset,
                    dlqTopic, count, reason, exception.getMessage());
        }
        Headers headers = new RecordHeaders();
        if (original != null) {
            original.forEach(headers::add);
        }
        headers.add(HEADER_EXCEPTION, utf8(exception.getClass().getName()));
        headers.add(HEADER_MESSAGE, utf8(String.valueOf(exception.getMessage())));
        if (!(exception instanceof RejectedRecordException)) {
            StringWriter trace = new StringWriter();
            exception.printStackTrace(new PrintWriter(trace));
            headers.add(HEADER_STACKTRACE, utf8(trace.toString()));
        }
        headers.add(HEADER_TOPIC, utf8(topic));
        headers.add(HEADER_PARTITION, utf8(Integer.toString(partition)));
        headers.add(HEADER_OFFSET, utf8(Long.toString(offset)));
        headers.add(REASON_HEADER, utf8(reason));
        return new ProducerRecord<>(dlqTopic, null, key, value, headers);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
