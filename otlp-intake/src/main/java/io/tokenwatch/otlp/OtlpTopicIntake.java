package io.tokenwatch.otlp;

import io.tokenwatch.events.v1.CallOutcome;
import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.producer.Attribution;
import io.tokenwatch.producer.CallEvents;
import io.tokenwatch.producer.InvalidEventException;
import io.tokenwatch.producer.PriceCatalog;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.schemas.CallBounds;
import io.tokenwatch.streams.errors.DeadLetterCounts;
import io.tokenwatch.streams.errors.DeadLetterHandler;
import io.tokenwatch.streams.errors.DeadLetterReason;
import io.tokenwatch.streams.errors.RejectedRecordException;
import io.tokenwatch.streams.topology.CallValidation;
import io.tokenwatch.streams.topology.StreamsSettings;
import io.tokenwatch.streams.topology.Topics;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

/**
 * The OTLP Kafka input ({@code tokenwatch.otlp.topic}): trace exports an OpenTelemetry Collector's Kafka
 * exporter wrote (protobuf {@code TracesData}, or OTLP JSON) become calls and outcomes on the input
 * topics, with the same mapping and pricing as the HTTP receiver, in one Kafka Streams transaction per
 * commit (exactly once: a restart neither loses nor repeats a call). Its own application id
 * ({@code <application.id>-otlp}), so it commits apart from the pipeline. An export that cannot be read,
 * or a span that cannot be recorded, goes to the dead-letter topic with the reason, but without the
 * export's bytes: they may carry prompt or completion text, which Tokenwatch never stores.
 */
public final class OtlpTopicIntake implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OtlpTopicIntake.class);
    private static final String CALLS = "calls";
    private static final String OUTCOMES = "outcomes";
    private static final String DEAD_LETTERS = "dead-letters";

    private final KafkaStreams streams;

    private OtlpTopicIntake(KafkaStreams streams) {
        this.streams = streams;
    }

    /** @param deadLetters the application's dead-letter counts, which this intake's dead letters add to */
    public static OtlpTopicIntake start(TokenwatchConfig config, DeadLetterCounts deadLetters) {
        OtlpSettings settings = OtlpSettings.of(config);
        String topic = settings.topic().orElseThrow();
        Properties props = StreamsSettings.of(config.kafkaProperties(), config.dlqTopic, config.topicReplication);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, props.getProperty(StreamsConfig.APPLICATION_ID_CONFIG) + "-otlp");
        // An export may carry prompt or completion text: no dead letter of this intake copies its bytes.
        props.put(DeadLetterHandler.OMIT_SOURCE_BYTES, "true");
        props.put(DeadLetterHandler.COUNTS_CONFIG, deadLetters);
        KafkaStreams streams = new KafkaStreams(topology(config, settings.mapping(), topic, deadLetters), props);
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("Fatal error in the OTLP intake; it stops (the pipeline goes on)", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.start();
        LOG.info("OTLP intake: trace exports from {} to {} and {}", topic, config.callsTopic, config.outcomesTopic);
        return new OtlpTopicIntake(streams);
    }

    static Topology topology(TokenwatchConfig config, GenAiMapping mapping, String topic, DeadLetterCounts deadLetters) {
        Topology topology = new Topology();
        topology.addSource("otlp-exports", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), topic);
        topology.addProcessor("spans-to-calls", () -> new SpansToCalls(mapping, config.dlqTopic, config.callBounds, deadLetters), "otlp-exports");
        topology.addSink(CALLS, config.callsTopic, Serdes.String().serializer(), OtlpTopicIntake.<LlmCall>valueSerializer(config), "spans-to-calls");
        topology.addSink(OUTCOMES, config.outcomesTopic, Serdes.String().serializer(), OtlpTopicIntake.<CallOutcome>valueSerializer(config), "spans-to-calls");
        topology.addSink(DEAD_LETTERS, config.dlqTopic, Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(), "spans-to-calls");
        return topology;
    }

    private static <T extends SpecificRecord> Serializer<T> valueSerializer(TokenwatchConfig config) {
        return Topics.<T>valueSerde(config.valueSerdeClass, config.kafkaProperties(), config.registryUnavailableTimeout).serializer();
    }

    public KafkaStreams streams() {
        return streams;
    }

    @Override
    public void close() {
        // Leaving the group hands the input's partitions over at once (a restart, another instance) instead of after the session timeout.
        streams.close(CloseOptions.timeout(Duration.ofSeconds(30)).withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    }

    /** One export in: a call (and its outcomes) per GenAI span, a dead letter per export or span that cannot be recorded. */
    private static final class SpansToCalls implements Processor<byte[], byte[], Object, Object> {
        private final GenAiMapping mapping;
        private final String dlqTopic;
        private final CallBounds bounds;
        private final DeadLetterCounts deadLetters;
        private final CallEvents events = new CallEvents(PriceCatalog.bundled(), null, Attribution.NONE, Clock.systemUTC());
        private ProcessorContext<Object, Object> context;

        SpansToCalls(GenAiMapping mapping, String dlqTopic, CallBounds bounds, DeadLetterCounts deadLetters) {
            this.mapping = mapping;
            this.dlqTopic = dlqTopic;
            this.bounds = bounds;
            this.deadLetters = deadLetters;
        }

        @Override
        public void init(ProcessorContext<Object, Object> context) {
            this.context = context;
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            byte[] export = record.value();
            List<OtlpSpan> spans;
            try {
                spans = export != null && export.length > 0 && export[0] == '{' ? OtlpDecoder.json(export) : OtlpDecoder.protobuf(export == null ? new byte[0] : export);
            } catch (OtlpDecoder.MalformedOtlpException e) {
                deadLetter(null, DeadLetterReason.MALFORMED, e.getMessage(), record.timestamp());
                return;
            }
            for (OtlpSpan span : spans) {
                GenAiMapping.Mapped mapped = mapping.map(span);
                if (mapped instanceof GenAiMapping.Rejected rejected) {
                    deadLetter(span.spanId(), DeadLetterReason.INVALID, rejected.reason(), record.timestamp());
                } else if (mapped instanceof GenAiMapping.Call call) {
                    LlmCall event;
                    try {
                        event = events.call(call.callId(), call.report());
                        CallValidation.check(event.getCallId(), event, bounds); // refused here, before a cost of 22 digits fails to encode
                    } catch (InvalidEventException e) {
                        deadLetter(span.spanId(), DeadLetterReason.INVALID, e.getMessage(), record.timestamp());
                        continue;
                    } catch (RejectedRecordException e) {
                        deadLetter(span.spanId(), e.reason(), e.getMessage(), record.timestamp());
                        continue;
                    }
                    context.forward(new Record<>(call.callId(), event, event.getTimestamp().toEpochMilli()), CALLS);
                    for (GenAiMapping.Decision decision : call.decisions()) {
                        CallOutcome outcome = CallOutcome.newBuilder().setCallId(call.callId()).setOutcome(decision.outcome())
                                .setDecidedAt(decision.decidedAt()).setDecidedBy(decision.decidedBy()).build();
                        context.forward(new Record<>(call.callId(), outcome, decision.decidedAt().toEpochMilli()), OUTCOMES);
                    }
                }
            }
        }

        private void deadLetter(String spanId, DeadLetterReason reason, String message, long timestamp) {
            RecordMetadata source = context.recordMetadata().orElseThrow();
            ProducerRecord<byte[], byte[]> dead = DeadLetterHandler.record(deadLetters, dlqTopic, source.topic(), source.partition(), source.offset(), null,
                    spanId == null ? null : spanId.getBytes(StandardCharsets.UTF_8), null,
                    new RejectedRecordException(reason, message + " (the export's bytes are left out: they may hold prompt or completion text)"));
            context.forward(new Record<>(dead.key(), dead.value(), timestamp, dead.headers()), DEAD_LETTERS);
        }
    }
}
