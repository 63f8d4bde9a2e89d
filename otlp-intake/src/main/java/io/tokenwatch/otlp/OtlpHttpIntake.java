package io.tokenwatch.otlp;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tokenwatch.http.HttpCall;
import io.tokenwatch.http.HttpReply;
import io.tokenwatch.producer.TokenwatchClient;
import io.tokenwatch.runtime.config.TokenwatchConfig;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.function.ToLongFunction;

/**
 * {@code POST /v1/traces} on the app's HTTP port: OpenTelemetry GenAI spans in, Tokenwatch calls out,
 * through a producer-lib client of its own (priced, checked, spilled to {@code tokenwatch.otlp.spill.dir}
 * while Kafka is away). Counted on /metrics as {@code tokenwatch_otlp_*}.
 */
public final class OtlpHttpIntake implements AutoCloseable {
    /** Spans the receiver may hold before it answers 429: about two seconds of a busy service's exports. */
    private static final int QUEUE_CAPACITY = 100_000;

    private final TokenwatchClient client;
    private final OtlpReceiver receiver;
    private final long maxBodyBytes;

    public OtlpHttpIntake(TokenwatchConfig config, MeterRegistry registry) {
        OtlpSettings settings = OtlpSettings.of(config);
        try {
            Files.createDirectories(settings.spillDir());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the OTLP spill directory " + settings.spillDir(), e);
        }
        client = IntakeClient.builder(config, settings.spillDir()).queueCapacity(QUEUE_CAPACITY).build();
        receiver = new OtlpReceiver(client, settings.mapping(), settings.maxBodyBytes(), settings.token());
        maxBodyBytes = settings.maxBodyBytes();
        counter(registry, "tokenwatch.otlp.requests", "OTLP trace export requests", null, OtlpReceiver.Counts::requests);
        counter(registry, "tokenwatch.otlp.spans", "Spans received that became calls", "call", OtlpReceiver.Counts::calls);
        counter(registry, "tokenwatch.otlp.spans", "Spans received that were not model calls", "ignored", OtlpReceiver.Counts::ignored);
        counter(registry, "tokenwatch.otlp.spans", "Model-call spans that could not be recorded", "rejected", OtlpReceiver.Counts::rejected);
        counter(registry, "tokenwatch.otlp.outcomes", "Outcomes taken from span evaluations", null, OtlpReceiver.Counts::outcomes);
        counter(registry, "tokenwatch.otlp.throttled", "Requests answered 429 (the send queue was nearly full)", null, OtlpReceiver.Counts::throttled);
        counter(registry, "tokenwatch.otlp.refused", "Requests refused (400, 401, 413, 415)", null, OtlpReceiver.Counts::refused);
        counter(registry, "tokenwatch.otlp.unavailable", "Requests answered 503 (what they held could not have been recorded)", null,
                OtlpReceiver.Counts::unavailable);
        // What became of the calls after the receiver took them: spilled while Kafka was away, or lost.
        FunctionCounter.builder("tokenwatch.otlp.events", client, c -> c.counts().spilled()).tag("result", "spilled")
                .description("Calls and outcomes of spans spilled to disk while Kafka was unreachable").register(registry);
        FunctionCounter.builder("tokenwatch.otlp.events", client, c -> c.counts().dropped()).tag("result", "dropped")
                .description("Calls and outcomes of spans lost (Kafka unreachable and the spill file unavailable or full, or unencodable)").register(registry);
    }

    private void counter(MeterRegistry registry, String name, String description, String result, ToLongFunction<OtlpReceiver.Counts> count) {
        FunctionCounter.Builder<OtlpReceiver> builder = FunctionCounter.builder(name, receiver, r -> count.applyAsLong(r.counts())).description(description);
        if (result != null) {
            builder.tag("result", result);
        }
        builder.register(registry);
    }

    /** {@code POST /v1/traces}. */
    public HttpReply serve(HttpCall call) {
        if (!call.method().equals("POST")) {
            return HttpReply.text(405, "POST an OTLP trace export").withHeader("Allow", "POST");
        }
        OtlpReceiver.Response response = receiver.handle(new OtlpReceiver.Request(call.header("Content-Type"), call.header("Content-Encoding"),
                call.header("Authorization"), new ByteArrayInputStream(call.body())));
        return new HttpReply(response.status(), response.contentType(), response.body(), response.headers());
    }

    /**
     * The largest request body the port reads for the receiver: its bound as sent; a gzipped body is
     * bounded again, after inflating, by the receiver.
     */
    public int maxBodyBytes() {
        return (int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes);
    }

    public OtlpReceiver.Counts counts() {
        return receiver.counts();
    }

    /** Waits until every call recorded so far is acknowledged by Kafka (or spilled), at most {@code timeout}. */
    public boolean flush(Duration timeout) throws InterruptedException {
        return client.flush(timeout);
    }

    @Override
    public void close() {
        client.close();
    }
}
