package io.tokenwatch.streams.app;

import com.sun.net.httpserver.HttpExchange;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.otlp.OtlpHttpIntake;
import io.tokenwatch.otlp.OtlpReceiver;
import io.tokenwatch.otlp.OtlpSettings;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.http.OperatorHttpServer;
import io.tokenwatch.runtime.kafka.ExpectedKafkaWarnings;
import io.tokenwatch.streams.api.QueryApi;
import io.tokenwatch.streams.api.RecentAlerts;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;

/**
 * The HTTP side of streams-app, read-only: {@code /health/live} and {@code /health/ready} (RUNNING:
 * all tasks assigned and restored) for Kubernetes, {@code /metrics} in Prometheus format (Kafka
 * Streams client metrics, JVM memory, the pipeline's counters, dead letters by reason), the query API
 * under {@code /api/} (optionally behind a bearer token) and the dashboard page at {@code /}.
 */
public final class TokenwatchHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TokenwatchHttpServer.class);
    private static final Map<String, String> CONTENT_TYPES = Map.of("html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8", "svg", "image/svg+xml");

    private final OperatorHttpServer server;
    private final KafkaStreamsMetrics streamsMetrics;
    private final RecentAlerts recentAlerts;
    private final QueryApi api;
    private final Optional<String> token;
    /** The OTLP/HTTP receiver, when {@code tokenwatch.otlp.enabled}. */
    private final Optional<OtlpHttpIntake> otlp;

    public TokenwatchHttpServer(TokenwatchApp app, TokenwatchConfig config, int port) throws IOException {
        KafkaStreams streams = app.streams();
        PrometheusMeterRegistry registry = app.meterRegistry();
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
        Gauge.builder("tokenwatch.streams.running", streams, s -> s.state() == KafkaStreams.State.RUNNING ? 1 : 0)
                .description("1 when Kafka Streams is RUNNING").register(registry);
        FunctionCounter.builder("tokenwatch.log.expected.kafka.warnings", ExpectedKafkaWarnings.class, c -> ExpectedKafkaWarnings.dropped())
                .description("Kafka client warnings for expected, self-resolving situations, left out of the log").register(registry);
        recentAlerts = new RecentAlerts(config.kafkaProperties(), config.alertsTopic, 500);
        api = new QueryApi(streams, config, recentAlerts);
        token = config.httpToken;
        OtlpSettings otlpSettings = OtlpSettings.of(config);
        otlp = otlpSettings.enabled() ? Optional.of(new OtlpHttpIntake(config, registry)) : Optional.empty();

        OperatorHttpServer routes = new OperatorHttpServer(config.httpAddress, port, () -> streams.state().name(),
                () -> streams.state() != KafkaStreams.State.ERROR && streams.state() != KafkaStreams.State.NOT_RUNNING,
                () -> streams.state() == KafkaStreams.State.RUNNING, registry)
                .context("/api/", this::serveApi)
                .context("/", this::serveDashboard);
        otlp.ifPresent(intake -> routes.context("/v1/traces", intake::serve));
        server = routes.start();
        LOG.info("HTTP on {}:{}: dashboard /, API /api/ ({}), /health/live, /health/ready, /metrics{}", config.httpAddress, port(),
                token.isPresent() ? "bearer token required" : "open", otlp.isPresent() ? ", OTLP/HTTP traces /v1/traces ("
                        + (otlpSettings.token().isPresent() ? "bearer token required" : "open") + ")" : "");
    }

    public int port() {
        return server.port();
    }

    /** What the OTLP receiver has taken so far, when it is on. */
    public Optional<OtlpReceiver.Counts> otlpCounts() {
        return otlp.map(OtlpHttpIntake::counts);
    }

    private void serveApi(HttpExchange exchange) throws IOException {
        if (token.isPresent()) {
            String presented = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Authorization")).orElse("");
            if (!MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), ("Bearer " + token.get()).getBytes(StandardCharsets.UTF_8))) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"tokenwatch\"");
                OperatorHttpServer.respond(exchange, 401, "application/json", "{\"error\":\"missing or wrong bearer token\"}");
                return;
            }
        }
        try {
            QueryApi.Response response = api.handle(exchange.getRequestURI().getRawPath(), OperatorHttpServer.query(exchange));
            OperatorHttpServer.respond(exchange, response.status(), "application/json", response.json());
        } catch (IOException | RuntimeException e) {
            LOG.warn("API request {} failed: {}", exchange.getRequestURI(), e.toString());
            OperatorHttpServer.respond(exchange, 502, "application/json", QueryApi.JSON.writeValueAsString(Map.of("error", String.valueOf(e.getMessage()))));
        }
    }

    /** The dashboard's files, bundled in the jar under {@code dashboard/}: no CDN, works offline. */
    private void serveDashboard(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String file = path.equals("/") ? "index.html" : path.substring(1);
        String extension = file.substring(file.lastIndexOf('.') + 1);
        InputStream in = file.contains("..") || !CONTENT_TYPES.containsKey(extension) ? null
                : TokenwatchHttpServer.class.getResourceAsStream("/dashboard/" + file);
        if (in == null) {
            OperatorHttpServer.respond(exchange, 404, "text/plain", "not found");
            return;
        }
        try (in) {
            byte[] bytes = in.readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPES.get(extension));
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
        } finally {
            exchange.close();
        }
    }

    @Override
    public void close() {
        server.close();
        otlp.ifPresent(OtlpHttpIntake::close);
        recentAlerts.close();
        api.close();
        streamsMetrics.close();
    }
}
