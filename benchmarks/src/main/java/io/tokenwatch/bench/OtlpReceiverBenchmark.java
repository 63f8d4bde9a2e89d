package io.tokenwatch.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.tokenwatch.http.TestRouteServer;
import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.otlp.OtlpHttpIntake;
import io.tokenwatch.producer.CallReport;
import io.tokenwatch.producer.TokenUsage;
import io.tokenwatch.producer.TokenwatchClient;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.http.HttpEndpoint;
import io.tokenwatch.runtime.http.HttpPort;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The OTLP/HTTP receiver against producer-lib alone, on the same broker in one run: spans/s from
 * protobuf exports of 512 GenAI spans (two senders, as a Collector's exporter sends them) until every
 * call is acknowledged, vs {@code recordCall} of the same calls; the receiver served by the processes'
 * HTTP port (Jetty) and, as the baseline it replaced, by the JDK's HTTP server. Usage:
 * {@code java -Xmx2g -cp benchmarks.jar io.tokenwatch.bench.OtlpReceiverBenchmark [spans]}.
 */
public final class OtlpReceiverBenchmark {
    private static final int BATCH = 512;

    public static void main(String[] args) throws Exception {
        int spans = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int batches = spans / BATCH;
        int total = batches * BATCH;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.onFreePorts().start()) {
            broker.createTopics(4, List.of("llm.calls.v1", "llm.outcomes.v1"));
            List<byte[]> exports = new ArrayList<>();
            for (int b = 0; b < batches; b++) {
                exports.add(export(b));
            }
            List<Double> ratios = new ArrayList<>();
            for (int round = 1; round <= 4; round++) {
                double alone = producerLib(broker, total, round);
                // Each round swaps which server goes first, so warm-up and broker state favour neither.
                boolean jdkFirst = round % 2 == 1;
                double first = receiver(broker, exports, total, round * 2, !jdkFirst);
                double second = receiver(broker, exports, total, round * 2 + 1, jdkFirst);
                double jdk = jdkFirst ? first : second;
                double jetty = jdkFirst ? second : first;
                if (round > 1) { // the first round warms the JVM up
                    ratios.add(jetty / jdk);
                }
                System.out.printf("round %d: producer-lib alone %,9.0f calls/s; OTLP receiver on the JDK server %,9.0f spans/s (%.2f x producer-lib), "
                        + "on the HTTP port %,9.0f spans/s (%.2f x producer-lib) = %.2f x the JDK server%n",
                        round, alone, jdk, jdk / alone, jetty, jetty / alone, jetty / jdk);
            }
            ratios.sort(null);
            System.out.printf("HTTP port / JDK server, median of rounds 2-4: %.2f x%n", median(ratios));
        }
    }

    private static double producerLib(EmbeddedKafkaBroker broker, int calls, int round) throws Exception {
        long start = System.nanoTime();
        try (TokenwatchClient client = TokenwatchClient.builder().bootstrapServers(broker.bootstrapServers()).schemaRegistryUrl("mock://bench-otlp")
                .spillDirectory(Files.createTempDirectory("bench-spill")).queueCapacity(100_000).build()) {
            for (int i = 0; i < calls; i++) {
                client.recordCall(CallReport.of("task-" + (i % 100), "claude-sonnet-4-5", new TokenUsage(10_000, 800, 6_000, 500, 0, 0))
                        .callId("lib-" + round + "-" + i).latencyMs(2_000));
                while (client.queued() > 90_000) {
                    Thread.onSpinWait(); // throughput, not the spill file
                }
            }
            client.flush(Duration.ofMinutes(5));
        }
        return calls / ((System.nanoTime() - start) / 1e9);
    }

    private static double receiver(EmbeddedKafkaBroker broker, List<byte[]> exports, int spans, int round, boolean httpPort) throws Exception {
        TokenwatchConfig config = TokenwatchConfig.of(Map.of("bootstrap.servers", broker.bootstrapServers(), "schema.registry.url", "mock://bench-otlp",
                "state.dir", Files.createTempDirectory("bench-otlp").toString()));
        try (OtlpHttpIntake intake = new OtlpHttpIntake(config, new SimpleMeterRegistry());
             AutoCloseable server = httpPort ? new HttpPort(HttpEndpoint.plain("127.0.0.1", 0)).route("/v1/traces", intake.maxBodyBytes(), intake::serve).start()
                     : new TestRouteServer(intake::serve, null)) {
            URI endpoint = URI.create((server instanceof HttpPort port ? port.url() : ((TestRouteServer) server).url()) + "/v1/traces");
            HttpClient http = HttpClient.newHttpClient();
            AtomicInteger next = new AtomicInteger();
            long start = System.nanoTime();
            List<Thread> senders = new ArrayList<>();
            for (int s = 0; s < 2; s++) {
                Thread sender = new Thread(() -> {
                    for (int i = next.getAndIncrement(); i < exports.size(); i = next.getAndIncrement()) {
                        byte[] body = withRound(exports.get(i), round);
                        try {
                            while (http.send(HttpRequest.newBuilder(endpoint).header("Content-Type", "application/x-protobuf")
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 429) {
                                Thread.sleep(10); // as an exporter does on 429, a little later
                            }
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                });
                sender.start();
                senders.add(sender);
            }
            for (Thread sender : senders) {
                sender.join();
            }
            intake.flush(Duration.ofMinutes(5));
            double rate = spans / ((System.nanoTime() - start) / 1e9);
            if (intake.counts().calls() != spans) {
                throw new IllegalStateException("recorded " + intake.counts().calls() + " of " + spans + " spans");
            }
            return rate;
        }
    }

    private static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** The same export with this round's call ids (response ids carry a round marker the bytes are patched with). */
    private static byte[] withRound(byte[] export, int round) {
        byte[] copy = export.clone();
        byte marker = (byte) ('0' + round); // receiver runs 2 to 9
        for (int i = 0; i + 5 < copy.length; i++) {
            if (copy[i] == 'r' && copy[i + 1] == 'o' && copy[i + 2] == 'u' && copy[i + 3] == 'n' && copy[i + 4] == 'd' && copy[i + 5] == '?') {
                copy[i + 5] = marker;
            }
        }
        return copy;
    }

    private static byte[] export(int batch) {
        ScopeSpans.Builder scope = ScopeSpans.newBuilder();
        long now = Instant.now().toEpochMilli() * 1_000_000L;
        for (int i = 0; i < BATCH; i++) {
            int n = batch * BATCH + i;
            scope.addSpans(Span.newBuilder().setTraceId(com.google.protobuf.ByteString.copyFrom(ByteBuffer.allocate(16).putLong(n).putLong(batch).array()))
                    .setSpanId(com.google.protobuf.ByteString.copyFrom(ByteBuffer.allocate(8).putLong(n).array())).setName("chat claude-sonnet-4-5")
                    .setStartTimeUnixNano(now - 2_000_000_000L).setEndTimeUnixNano(now)
                    .addAttributes(text("gen_ai.provider.name", "anthropic")).addAttributes(text("gen_ai.request.model", "claude-sonnet-4-5"))
                    .addAttributes(text("gen_ai.response.id", "msg-round?-" + n)).addAttributes(number("gen_ai.usage.input_tokens", 10_000))
                    .addAttributes(number("gen_ai.usage.output_tokens", 800)).addAttributes(number("gen_ai.usage.cache_read.input_tokens", 6_000))
                    .addAttributes(number("gen_ai.usage.cache_creation.input_tokens", 500)).addAttributes(text("gen_ai.workflow.name", "task-" + (n % 100))));
        }
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(text("service.name", "bench"))).addScopeSpans(scope)).build().toByteArray();
    }

    private static KeyValue text(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static KeyValue number(String key, long value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
    }
}
