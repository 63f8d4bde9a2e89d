package io.tokenwatch.streams.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.streams.errors.DeadLetterHandler;
import io.tokenwatch.streams.errors.DeadLetterReason;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * Read-only HTTP for operators and Kubernetes: {@code /health/live} (the Streams client is alive),
 * {@code /health/ready} (RUNNING: all tasks assigned and restored) and {@code /metrics} in Prometheus
 * format (Kafka Streams client metrics, JVM memory, dead-lettered records by reason).
 */
public final class HealthServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthServer.class);

    private final HttpServer server;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final KafkaStreamsMetrics streamsMetrics;

    public HealthServer(KafkaStreams streams, int port) throws IOException {
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        Gauge.builder("tokenwatch.streams.running", streams, s -> s.state() == KafkaStreams.State.RUNNING ? 1 : 0)
                .description("1 when Kafka Streams is RUNNING").register(registry);
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            FunctionCounter.builder("tokenwatch.dlq.records", reason.id(), r -> DeadLetterHandler.countsByReason().getOrDefault(r, 0L))
                    .tag("reason", reason.id()).description("Records sent to the dead-letter topic").register(registry);
        }
        server = HttpServer.create(new InetSocketAddress(port), 0);
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "tokenwatch-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/health/live", exchange -> respond(exchange,
                streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING ? 503 : 200,
                "text/plain", streams.state().name()));
        server.createContext("/health/ready", exchange -> respond(exchange, streams.state() == KafkaStreams.State.RUNNING ? 200 : 503,
                "text/plain", streams.state().name()));
        server.createContext("/metrics", exchange -> respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
        server.start();
        LOG.info("Health and metrics on http://0.0.0.0:{} (/health/live, /health/ready, /metrics)", port());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
        streamsMetrics.close();
        registry.close();
    }
}
