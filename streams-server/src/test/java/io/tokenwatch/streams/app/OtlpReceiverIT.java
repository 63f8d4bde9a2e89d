package io.tokenwatch.streams.app;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.tokenwatch.events.v1.CallOutcome;
import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.Outcome;
import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.otlp.CollectingSpanExporter;
import io.tokenwatch.registry.MockSchemaRegistry;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.kafka.OutputTopicConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OTLP/HTTP receiver on the app's HTTP port, driven by the real OpenTelemetry Java SDK: its OTLP
 * exporter (protobuf), then the SDK's own JSON encoding of the same request (gzip), both finding their
 * calls on the calls topic of a real broker; then bad requests, and the broker stopped.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OtlpReceiverIT {
    private static final String REGISTRY = "mock://otlp-it";
    private static final String TOKEN = "otlp-secret";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static EmbeddedKafkaBroker broker;
    private static TokenwatchApp app;
    private static TokenwatchHttpServer http;
    private static TokenwatchConfig config;
    private static Path spill;
    private static KafkaConsumer<String, Object> reader;
    private static final Map<String, Object> seen = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedKafkaBroker.onFreePorts().start();
        spill = Files.createTempDirectory("tw-otlp-spill");
        config = TokenwatchConfig.of(Map.of("bootstrap.servers", broker.bootstrapServers(), "schema.registry.url", REGISTRY,
                "application.id", "otlp-it", "state.dir", Files.createTempDirectory("tw-otlp-state").toString(), "tokenwatch.topics.partitions", "2",
                "tokenwatch.otlp.token", TOKEN, "tokenwatch.otlp.max.body.bytes", "65536", "tokenwatch.otlp.spill.dir", spill.toString(),
                // With the broker gone, a send gives up after 6 s and the intake spills it (the default waits 30 s).
                "delivery.timeout.ms", "6000", "request.timeout.ms", "3000"));
        app = TokenwatchApp.start(config);
        http = new TokenwatchHttpServer(app, config, 0);
        reader = OutputTopicConsumer.create(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "otlp-it-reader", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", "schema.registry.url", REGISTRY));
        reader.subscribe(List.of(config.callsTopic, config.outcomesTopic));
    }

    @AfterAll
    static void stop() {
        reader.close();
        http.close();
        app.close();
        broker.close();
        MockSchemaRegistry.dropScope("otlp-it");
    }

    private static String endpoint() {
        return "http://127.0.0.1:" + http.port() + "/v1/traces";
    }

    /** A review bot's model call as the GenAI conventions describe it, an evaluation that passed, and an HTTP span beside it. */
    private static void reviewBot(SpanExporter exporter, String responseId) {
        Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "review-bot",
                AttributeKey.stringKey("tokenwatch.team"), "platform", AttributeKey.stringKey("deployment.environment.name"), "prod")));
        SdkTracerProvider provider = SdkTracerProvider.builder().setResource(resource).addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
        try {
            Tracer tracer = provider.get("io.tokenwatch.test");
            Instant start = Instant.now().minusSeconds(5);
            Span chat = tracer.spanBuilder("chat claude-sonnet-4-5").setSpanKind(SpanKind.CLIENT).setStartTimestamp(start)
                    .setAttribute("gen_ai.operation.name", "chat").setAttribute("gen_ai.provider.name", "anthropic")
                    .setAttribute("gen_ai.request.model", "claude-sonnet-4-5").setAttribute("gen_ai.response.id", responseId)
                    .setAttribute("gen_ai.usage.input_tokens", 1_200L).setAttribute("gen_ai.usage.output_tokens", 350L)
                    .setAttribute("gen_ai.usage.cache_read.input_tokens", 8_000L).setAttribute("gen_ai.usage.cache_creation.input_tokens", 800L)
                    .setAttribute("gen_ai.workflow.name", "code-review").setAttribute("gen_ai.agent.name", "reviewer")
                    .setAttribute("gen_ai.conversation.id", "conv-" + responseId)
                    .setAttribute("gen_ai.input.messages", "SECRET PROMPT TEXT").startSpan();
            chat.addEvent("gen_ai.evaluation.result", Attributes.of(AttributeKey.stringKey("gen_ai.evaluation.name"), "ci-tests",
                    AttributeKey.stringKey("gen_ai.evaluation.score.label"), "fail"), start.plusSeconds(4));
            chat.end(start.plusMillis(2_350));
            tracer.spanBuilder("GET /pulls").startSpan().end();
        } finally {
            assertThat(provider.forceFlush().join(20, TimeUnit.SECONDS).isSuccess()).as("the exporter's export succeeded").isTrue();
            provider.shutdown().join(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(1)
    void theSdksOtlpExporterSendsACallThatArrivesPricedAndAttributedWithItsOutcome() {
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(endpoint()).addHeader("Authorization", "Bearer " + TOKEN).build();
        reviewBot(exporter, "msg_protobuf_1");
        assertReviewCall("msg_protobuf_1");
        assertThat(http.otlpCounts().orElseThrow().ignored()).as("the HTTP span").isEqualTo(1);
    }

    @Test
    @Order(2)
    void theSameSpansInOtlpJsonGzipArriveTheSameWay() throws Exception {
        CollectingSpanExporter exported = new CollectingSpanExporter();
        reviewBot(exported, "msg_json_1");
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        TraceRequestMarshaler.create(exported.spans).writeJsonTo(json);
        HttpResponse<String> response = post(gzip(json.toByteArray()), "application/json", Map.of("Content-Encoding", "gzip", "Authorization", "Bearer " + TOKEN));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{}");
        assertReviewCall("msg_json_1");
    }

    private static void assertReviewCall(String callId) {
        LlmCall call = (LlmCall) await(callId, v -> v instanceof LlmCall);
        assertThat(call.getProvider()).isEqualTo("anthropic");
        assertThat(call.getModel()).isEqualTo("claude-sonnet-4-5");
        assertThat(call.getInputTokens()).isEqualTo(10_000);
        assertThat(call.getOutputTokens()).isEqualTo(350);
        assertThat(call.getCacheReadTokens()).isEqualTo(8_000);
        assertThat(call.getCostUsd()).isEqualByComparingTo(new BigDecimal("0.01425"));
        assertThat(call.getLatencyMs()).isEqualTo(2_350);
        assertThat(call.getTask()).isEqualTo("code-review");
        assertThat(call.getFeature()).isEqualTo("review-bot");
        assertThat(call.getTeam()).isEqualTo("platform");
        assertThat(call.getAgent()).isEqualTo("reviewer");
        assertThat(call.getEnvironment()).isEqualTo("prod");
        assertThat(call.getSessionId()).isEqualTo("conv-" + callId);
        assertThat(call.toString()).doesNotContain("SECRET");
        CallOutcome outcome = (CallOutcome) await(callId, v -> v instanceof CallOutcome);
        assertThat(outcome.getOutcome()).isEqualTo(Outcome.REJECTED);
        assertThat(outcome.getDecidedBy()).isEqualTo("otel:ci-tests");
    }

    @Test
    @Order(3)
    void badRequestsAreAnsweredAsOtlpSaysAndASpanThatCannotBeRecordedIsAPartialSuccess() throws Exception {
        Map<String, String> auth = Map.of("Authorization", "Bearer " + TOKEN);
        HttpResponse<String> malformed = post("{\"resourceSpans\": 7}".getBytes(StandardCharsets.UTF_8), "application/json", auth);
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(malformed.body()).contains("\"code\":3").contains("expected an object with a resourceSpans array");
        assertThat(post(new byte[] {0x0a, (byte) 0xff, 0x01}, "application/x-protobuf", auth).statusCode()).isEqualTo(400);
        assertThat(post(new byte[70_000], "application/x-protobuf", auth).statusCode()).as("over the 64 KiB limit").isEqualTo(413);
        assertThat(post(gzip(new byte[1_000_000]), "application/x-protobuf", Map.of("Content-Encoding", "gzip", "Authorization", "Bearer " + TOKEN))
                .statusCode()).as("a gzip bomb: 1 MB of zeros in 1 KB").isEqualTo(413);
        assertThat(post("{}".getBytes(StandardCharsets.UTF_8), "text/plain", auth).statusCode()).isEqualTo(415);
        HttpResponse<String> anonymous = post("{}".getBytes(StandardCharsets.UTF_8), "application/json", Map.of());
        assertThat(anonymous.statusCode()).isEqualTo(401);

        // Usage but no model: the export succeeds, the span is counted as rejected, with the reason.
        InMemorySpanExporter memory = InMemorySpanExporter.create();
        SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(memory)).build();
        provider.get("t").spanBuilder("chat").setAttribute("gen_ai.usage.input_tokens", 10L).startSpan().end();
        ByteArrayOutputStream binary = new ByteArrayOutputStream();
        TraceRequestMarshaler.create(memory.getFinishedSpanItems()).writeBinaryTo(binary);
        HttpResponse<byte[]> partial = HTTP.send(request(binary.toByteArray(), "application/x-protobuf", auth), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(partial.statusCode()).isEqualTo(200);
        ExportTraceServiceResponse answer = ExportTraceServiceResponse.parseFrom(partial.body());
        assertThat(answer.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
        assertThat(answer.getPartialSuccess().getErrorMessage()).contains("has token usage but no gen_ai.request.model");
    }

    /**
     * Last: the broker goes away. Exports are still answered 200 at once (no 5xx for exporters to retry into a
     * storm), their calls spill to disk, and once the broker is back every one of them reaches the calls topic.
     */
    @Test
    @Order(4)
    void withTheBrokerStoppedExportsAreStillTakenSpilledAndDeliveredWhenItReturns() throws Exception {
        long refusedBefore = http.otlpCounts().orElseThrow().refused();
        broker.stop();
        try {
            for (int i = 0; i < 5; i++) {
                long began = System.nanoTime();
                OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(endpoint()).addHeader("Authorization", "Bearer " + TOKEN).build();
                reviewBot(exporter, "msg_outage_" + i);
                assertThat(Duration.ofNanos(System.nanoTime() - began)).as("export " + i).isLessThan(Duration.ofSeconds(10));
            }
            assertThat(http.otlpCounts().orElseThrow().refused() - refusedBefore).as("no export refused").isZero();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (spilledBytes() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(200); // between two looks at the spill directory
            }
            assertThat(spilledBytes()).as("calls spilled to " + spill).isPositive();
        } finally {
            broker.start();
        }
        for (int i = 0; i < 5; i++) {
            assertThat(((LlmCall) await("msg_outage_" + i, v -> v instanceof LlmCall)).getInputTokens()).isEqualTo(10_000);
        }
    }

    private static long spilledBytes() throws Exception {
        try (var files = Files.walk(spill)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static Object await(String callId, java.util.function.Predicate<Object> kind) {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            reader.poll(Duration.ofMillis(200)).forEach(r -> seen.put(r.topic() + "/" + r.key(), r.value()));
            for (Object value : seen.values()) {
                if (kind.test(value) && callId.equals(value instanceof LlmCall c ? c.getCallId() : ((CallOutcome) value).getCallId())) {
                    return value;
                }
            }
        }
        throw new AssertionError("Nothing for " + callId + " on the calls and outcomes topics within 120 s");
    }

    private static HttpRequest request(byte[] body, String contentType, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(endpoint())).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return request.build();
    }

    private static HttpResponse<String> post(byte[] body, String contentType, Map<String, String> headers) throws Exception {
        return HTTP.send(request(body, contentType, headers), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] gzip(byte[] bytes) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(bytes);
        }
        return out.toByteArray();
    }
}
