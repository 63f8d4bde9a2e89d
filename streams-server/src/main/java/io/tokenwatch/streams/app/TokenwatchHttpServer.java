package io.tokenwatch.streams.app;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.http.HttpCall;
import io.tokenwatch.http.HttpReply;
import io.tokenwatch.otlp.OtlpHttpIntake;
import io.tokenwatch.otlp.OtlpReceiver;
import io.tokenwatch.otlp.OtlpSettings;
import io.tokenwatch.runtime.CannotStartException;
import io.tokenwatch.runtime.config.CoreSettings;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.http.AllowedHosts;
import io.tokenwatch.runtime.http.BearerToken;
import io.tokenwatch.runtime.http.HttpEndpoint;
import io.tokenwatch.runtime.http.HttpPort;
import io.tokenwatch.streams.api.QueryApi;
import io.tokenwatch.streams.api.RecentAlerts;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
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
    /** The dashboard loads only its own files and talks only to its own API: no inline script, no other origin, no framing. */
    private static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
    private static final Map<String, String> CONTENT_TYPES = Map.of("html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8", "svg", "image/svg+xml");

    private final HttpPort server;
    private final KafkaStreamsMetrics streamsMetrics;
    private final RecentAlerts recentAlerts;
    private final QueryApi api;
    private final BearerToken token;
    /** The OTLP/HTTP receiver, when {@code tokenwatch.otlp.enabled}. */
    private final Optional<OtlpHttpIntake> otlp;

    public TokenwatchHttpServer(TokenwatchApp app, TokenwatchConfig config, int port) throws IOException {
        requireSafeExposure(config);
        KafkaStreams streams = app.streams();
        PrometheusMeterRegistry registry = app.meterRegistry();
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
        Gauge.builder("tokenwatch.streams.running", streams, s -> s.state() == KafkaStreams.State.RUNNING ? 1 : 0)
                .description("1 when Kafka Streams is RUNNING").register(registry);
        recentAlerts = new RecentAlerts(config.kafkaProperties(), config.alertsTopic, 500);
        api = new QueryApi(streams, config, recentAlerts);
        token = BearerToken.of(config.httpToken);
        // What a browser reads (the dashboard and the API) answers only to this server's names.
        AllowedHosts allowedHosts = AllowedHosts.of(config.httpAddress, config.httpAllowedHosts);
        OtlpSettings otlpSettings = OtlpSettings.of(config);
        otlp = otlpSettings.enabled() ? Optional.of(new OtlpHttpIntake(config, registry)) : Optional.empty();

        HttpPort routes = new HttpPort(HttpEndpoint.of(config, port)).probes(() -> streams.state().name(),
                () -> streams.state() != KafkaStreams.State.ERROR && streams.state() != KafkaStreams.State.NOT_RUNNING,
                () -> streams.state() == KafkaStreams.State.RUNNING, registry)
                .route("/api/", allowedHosts.guard(this::serveApi))
                .route("/", allowedHosts.guard(this::serveDashboard));
        otlp.ifPresent(intake -> routes.route("/v1/traces", intake.maxBodyBytes(), intake::serve));
        server = routes.start();
        LOG.info("HTTP on {}:{}: dashboard /, API /api/ ({}), /health/live, /health/ready, /metrics{}", config.httpAddress, port(),
                token.required() ? "bearer token required" : "open", otlp.isPresent() ? ", OTLP/HTTP traces /v1/traces ("
                        + (otlpSettings.token().isPresent() ? "bearer token required" : "open") + ")" : "");
    }

    /**
     * Spend data and an ingest path are not for anyone who can reach the port by accident: without a token,
     * the API may only be reachable from this host and the OTLP intake not be on, unless the operator says
     * so explicitly. Checked before anything starts, in one line naming the settings.
     */
    public static void requireSafeExposure(TokenwatchConfig config) {
        String where = config.httpAddress + ":" + config.httpPort;
        if (config.httpToken.isEmpty() && !AllowedHosts.isLoopback(config.httpAddress) && !config.httpAllowUnauthenticated) {
            throw new CannotStartException("the API at " + where + " is reachable from other hosts and has no token: set "
                    + CoreSettings.HTTP_TOKEN + ", or " + CoreSettings.HTTP_ALLOW_UNAUTHENTICATED + "=true to serve spend data to anyone who reaches it");
        }
        OtlpSettings otlp = OtlpSettings.of(config);
        if (otlp.enabled() && otlp.token().isEmpty() && !otlp.allowUnauthenticated()) {
            throw new CannotStartException("the OTLP intake (" + OtlpSettings.ENABLED + ") has no token: set " + OtlpSettings.TOKEN + " or "
                    + CoreSettings.HTTP_TOKEN + ", or " + OtlpSettings.ALLOW_UNAUTHENTICATED + "=true to take spans from anyone who reaches " + where
                    + " (or " + OtlpSettings.ENABLED + "=false)");
        }
    }

    public int port() {
        return server.port();
    }

    /** What the OTLP receiver has taken so far, when it is on. */
    public Optional<OtlpReceiver.Counts> otlpCounts() {
        return otlp.map(OtlpHttpIntake::counts);
    }

    private HttpReply serveApi(HttpCall call) throws IOException {
        if (!token.accepts(call.header("Authorization")) && !token.acceptsPeer(call.header(BearerToken.PEER_HEADER), call.target(), Instant.now())) {
            return HttpReply.json(401, "{\"error\":\"missing or wrong bearer token\"}").withHeader("WWW-Authenticate", "Bearer realm=\"tokenwatch\"");
        }
        try {
            QueryApi.Response response = api.handle(call.rawPath(), call.query());
            return HttpReply.json(response.status(), response.json());
        } catch (IOException | RuntimeException e) {
            LOG.warn("API request {} failed: {}", call.rawPath(), e.toString());
            return HttpReply.json(502, QueryApi.JSON.writeValueAsString(Map.of("error", String.valueOf(e.getMessage()))));
        }
    }

    /** The dashboard's files, bundled in the jar under {@code dashboard/}: no CDN, works offline. */
    private HttpReply serveDashboard(HttpCall call) throws IOException {
        String path = call.path();
        String file = path.equals("/") ? "index.html" : path.substring(1);
        String extension = file.substring(file.lastIndexOf('.') + 1);
        InputStream in = file.contains("..") || !CONTENT_TYPES.containsKey(extension) ? null
                : TokenwatchHttpServer.class.getResourceAsStream("/dashboard/" + file);
        if (in == null) {
            return HttpReply.text(404, "not found");
        }
        try (in) {
            return HttpReply.of(200, CONTENT_TYPES.get(extension), in.readAllBytes()).withHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                    .withHeader("X-Content-Type-Options", "nosniff").withHeader("Referrer-Policy", "no-referrer");
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
