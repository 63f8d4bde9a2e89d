package io.tokenwatch.otlp;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.tokenwatch.events.v1.CallOutcome;
import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.Outcome;
import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.registry.MockSchemaRegistry;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.kafka.OutputTopicConsumer;
import io.tokenwatch.runtime.kafka.TopicSetup;
import io.tokenwatch.streams.errors.DeadLetterCounts;
import io.tokenwatch.streams.errors.DeadLetterHandler;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OTLP Kafka input on a real broker: exports as a Collector's Kafka exporter writes them (protobuf,
 * and OTLP JSON), a malformed one, a span that cannot be recorded; every call once, across a restart.
 */
class OtlpTopicIntakeIT {
    private static final String REGISTRY = "mock://otlp-topic-it";
    private static final String TOPIC = "otel.traces";

    /** Spans made with the real SDK, as an exporter hands them over. */
    private static List<SpanData> spans(Consumer<Tracer> make) {
        CollectingSpanExporter exported = new CollectingSpanExporter();
        SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exported)).build();
        make.accept(provider.get("collector-test"));
        provider.shutdown();
        return exported.spans;
    }

    private static void chat(Tracer tracer, String responseId, String model, boolean evaluated) {
        chat(tracer, responseId, model, evaluated, 500);
    }

    private static void chat(Tracer tracer, String responseId, String model, boolean evaluated, long outputTokens) {
        Instant start = Instant.now().minusSeconds(30);
        var builder = tracer.spanBuilder("chat").setStartTimestamp(start).setAttribute("gen_ai.provider.name", "openai")
                .setAttribute("gen_ai.usage.input_tokens", 2_000L).setAttribute("gen_ai.usage.output_tokens", outputTokens)
                .setAttribute("gen_ai.response.id", responseId).setAttribute("tokenwatch.task", "triage")
                .setAttribute("gen_ai.output.messages", "SECRET COMPLETION TEXT");
        if (model != null) {
            builder.setAttribute("gen_ai.request.model", model);
        }
        Span span = builder.startSpan();
        if (evaluated) {
            span.addEvent("gen_ai.evaluation.result", Attributes.of(AttributeKey.stringKey("gen_ai.evaluation.score.label"), "accepted"), start.plusSeconds(10));
        }
        span.end(start.plusSeconds(2));
    }

    private static byte[] protobuf(List<SpanData> spans) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TraceRequestMarshaler.create(spans).writeBinaryTo(out);
        return out.toByteArray();
    }

    private static byte[] json(List<SpanData> spans) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TraceRequestMarshaler.create(spans).writeJsonTo(out);
        return out.toByteArray();
    }

    @Test
    void exportsOnATopicBecomeEachCallOnceWithBadOnesDeadLetteredWithoutTheirBytes() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.onFreePorts().start();
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                     new ByteArraySerializer(), new ByteArraySerializer())) {
            TokenwatchConfig config = TokenwatchConfig.of(Map.of("bootstrap.servers", broker.bootstrapServers(), "schema.registry.url", REGISTRY,
                    "application.id", "otlp-topic-it", "state.dir", Files.createTempDirectory("tw-otlp-topic").toString(),
                    "tokenwatch.otlp.topic", TOPIC));
            try (var admin = broker.admin()) {
                TopicSetup.ensureTopics(admin, config);
                TopicSetup.ensure(admin, config, List.of(TOPIC), Set.of());
            }
            producer.send(new ProducerRecord<>(TOPIC, protobuf(spans(t -> {
                chat(t, "chatcmpl-1", "gpt-4o", true);
                chat(t, "chatcmpl-2", "gpt-4o", false);
                t.spanBuilder("SELECT orders").startSpan().end();
            }))));
            producer.send(new ProducerRecord<>(TOPIC, "SECRET PROMPT TEXT in something that is not OTLP".getBytes(StandardCharsets.UTF_8)));
            producer.send(new ProducerRecord<>(TOPIC, json(spans(t -> {
                chat(t, "chatcmpl-3", "gpt-4o-mini", false);
                chat(t, "no-model", null, false);
                // 7e15 output tokens: a cost of 22 digits, more than the schema's decimal holds; refused as too large, not left to fail encoding.
                chat(t, "too-costly", "gpt-4o", false, 7_000_000_000_000_000L);
            }))));
            producer.flush();

            Outputs out = new Outputs(broker);
            DeadLetterCounts deadLetters = new DeadLetterCounts();
            try (OtlpTopicIntake intake = OtlpTopicIntake.start(config, deadLetters)) {
                out.await(() -> out.calls.size() == 3 && out.outcomes.size() == 1 && out.deadLetters.size() == 3);
                assertThat(intake.streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
            }
            // Exports land on the topic's partitions in any order: compared as sets.
            LlmCall first = out.calls.stream().filter(c -> c.getCallId().equals("chatcmpl-1")).findFirst().orElseThrow();
            assertThat(first.getTask()).isEqualTo("triage");
            assertThat(first.getModel()).isEqualTo("gpt-4o");
            // $2.50/M in x 2,000 + $10/M out x 500.
            assertThat(first.getCostUsd()).isEqualByComparingTo("0.01");
            assertThat(out.calls).extracting(LlmCall::getCallId).containsExactlyInAnyOrder("chatcmpl-1", "chatcmpl-2", "chatcmpl-3");
            assertThat(out.outcomes.get(0).getCallId()).isEqualTo("chatcmpl-1");
            assertThat(out.outcomes.get(0).getOutcome()).isEqualTo(Outcome.ACCEPTED);
            assertThat(out.deadLetters).extracting(r -> header(r, DeadLetterHandler.REASON_HEADER)).containsExactlyInAnyOrder("malformed", "invalid", "too-large");
            assertThat(out.deadLetters).allSatisfy(r -> assertThat(r.value()).as("no export bytes kept").isNull());
            assertThat(deadLetters.snapshot()).as("counted in the application's dead-letter counts")
                    .isEqualTo(Map.of("malformed", 1L, "invalid", 1L, "too-large", 1L));
            assertThat(out.deadLetters).extracting(r -> header(r, DeadLetterHandler.HEADER_MESSAGE))
                    .anySatisfy(m -> assertThat(m).contains("has token usage but no gen_ai.request.model"));
            assertThat(out.calls.toString()).doesNotContain("SECRET");

            // Started again: only the new export is read; nothing before it is written twice.
            producer.send(new ProducerRecord<>(TOPIC, protobuf(spans(t -> chat(t, "chatcmpl-4", "gpt-4o", false))))).get();
            try (OtlpTopicIntake again = OtlpTopicIntake.start(config, deadLetters)) {
                out.await(() -> out.calls.size() >= 4);
                out.pollFor(Duration.ofSeconds(3));
            }
            assertThat(out.calls).extracting(LlmCall::getCallId).containsExactlyInAnyOrder("chatcmpl-1", "chatcmpl-2", "chatcmpl-3", "chatcmpl-4");
            out.close();
        } finally {
            MockSchemaRegistry.dropScope("otlp-topic-it");
        }
    }

    private static String header(ConsumerRecord<String, Object> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** The calls, outcomes and dead-letter topics, read committed. */
    private static final class Outputs implements AutoCloseable {
        final List<LlmCall> calls = new ArrayList<>();
        final List<CallOutcome> outcomes = new ArrayList<>();
        final List<ConsumerRecord<String, Object>> deadLetters = new ArrayList<>();
        private final KafkaConsumer<String, Object> consumer;

        Outputs(EmbeddedKafkaBroker broker) {
            consumer = OutputTopicConsumer.create(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, "otlp-topic-reader", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", "schema.registry.url", REGISTRY));
            consumer.subscribe(List.of("llm.calls.v1", "llm.outcomes.v1", "llm.dlq.v1"));
        }

        void poll() {
            for (ConsumerRecord<String, Object> r : consumer.poll(Duration.ofMillis(200))) {
                switch (r.topic()) {
                    case "llm.calls.v1" -> calls.add((LlmCall) r.value());
                    case "llm.outcomes.v1" -> outcomes.add((CallOutcome) r.value());
                    default -> deadLetters.add(r);
                }
            }
        }

        void await(BooleanSupplier done) {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!done.getAsBoolean()) {
                assertThat(System.nanoTime()).as("waited 90 s; calls " + calls + ", outcomes " + outcomes + ", dead letters " + deadLetters.size())
                        .isLessThan(deadline);
                poll();
            }
        }

        void pollFor(Duration duration) {
            long until = System.nanoTime() + duration.toNanos();
            while (System.nanoTime() < until) {
                poll();
            }
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
