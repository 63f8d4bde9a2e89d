package io.tokenwatch.runtime.http;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.http.HttpCall;
import io.tokenwatch.http.HttpReply;
import io.tokenwatch.http.HttpRoute;
import io.tokenwatch.runtime.CannotStartException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.QoSHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.BindException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The HTTP port of every Tokenwatch process (and of the demo's stand-ins), on Jetty: the routes a
 * component adds before {@link #start()} (longest path prefix wins), and for a process its
 * {@link #probes probes}: {@code /health/live}, {@code /health/ready} (200 or 503, the state as the
 * body) and {@code /metrics} in Prometheus format (with JVM memory).
 *
 * <p>Jetty parses requests without a thread per socket, so connections that send half a request hold
 * no thread and are closed after {@link #IDLE_TIMEOUT} of silence; headers are bounded, each route's
 * body is read to its bound (413 above). The components' routes are admitted {@link #MAX_ROUTE_REQUESTS}
 * at a time (more wait, then 503), so no API or ingest load can starve the probes and the metrics scrape.
 */
public final class HttpPort implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpPort.class);
    /** A connection silent this long is closed: above the 10 s an API request may wait for another instance. */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(20);
    private static final int MAX_THREADS = 64;
    /** Concurrent requests to the components' routes; the rest of the pool stays for probes and metrics. */
    static final int MAX_ROUTE_REQUESTS = 48;
    private static final int MAX_HEADER_BYTES = 16 * 1024;
    /** A route's default body bound: the API and probes take none worth speaking of. */
    public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;

    private record Route(HttpRoute handler, int maxBodyBytes) {
    }

    private final Server server;
    private final ServerConnector connector;
    private final HttpEndpoint endpoint;
    /** Path prefix to route; the longest matching prefix answers. */
    private final TreeMap<String, Route> routes = new TreeMap<>();

    /** @param endpoint where to listen ({@code tokenwatch.http.address}: loopback unless one is configured) and whether over TLS */
    public HttpPort(HttpEndpoint endpoint) {
        this.endpoint = endpoint;
        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 4, (int) Duration.ofSeconds(30).toMillis());
        threads.setName("tokenwatch-http");
        threads.setDaemon(true);
        server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(MAX_HEADER_BYTES);
        http.setSendServerVersion(false);
        connector = endpoint.tls().map(tls -> {
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStorePath(tls.path());
            ssl.setKeyStoreType(tls.type());
            ssl.setKeyStorePassword(tls.password());
            http.addCustomizer(new SecureRequestCustomizer(false)); // loopback and IP names are fine: no SNI host check
            return new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(http));
        }).orElseGet(() -> new ServerConnector(server, new HttpConnectionFactory(http)));
        connector.setHost(endpoint.address());
        connector.setPort(endpoint.port());
        connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
        server.addConnector(connector);
        QoSHandler admission = new QoSHandler(new Router());
        admission.setMaxRequestCount(MAX_ROUTE_REQUESTS);
        admission.setMaxSuspend(Duration.ofSeconds(10));
        admission.excludePath("/health/*", "/metrics");
        server.setHandler(admission);
        server.setStopTimeout(Duration.ofSeconds(2).toMillis());
    }

    /** A process's probes for Kubernetes and its metrics scrape; admitted apart from every other route. */
    public HttpPort probes(Supplier<String> state, BooleanSupplier live, BooleanSupplier ready, PrometheusMeterRegistry registry) {
        new JvmMemoryMetrics().bindTo(registry);
        route("/health/live", call -> HttpReply.text(live.getAsBoolean() ? 200 : 503, state.get()));
        route("/health/ready", call -> HttpReply.text(ready.getAsBoolean() ? 200 : 503, state.get()));
        return route("/metrics", call -> HttpReply.of(200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
    }

    /**
     * Registers each of a component's counts as a counter {@code prefix + name} (on {@code /metrics}:
     * {@code tokenwatch_<component>_<name>_total}), described as "{@code component}: name".
     */
    public static void registerCounters(MeterRegistry registry, String prefix, String component, Map<String, AtomicLong> counts) {
        counts.forEach((name, value) -> FunctionCounter.builder(prefix + name, value, AtomicLong::get)
                .description(component + ": " + name.replace('_', ' ').replace('.', ' ')).register(registry));
    }

    /** Serves {@code route} for every path starting with {@code prefix}, its body read to {@link #DEFAULT_MAX_BODY_BYTES}. */
    public HttpPort route(String prefix, HttpRoute route) {
        return route(prefix, DEFAULT_MAX_BODY_BYTES, route);
    }

    /** Serves {@code route} for every path starting with {@code prefix}; a body above {@code maxBodyBytes} is answered 413 unread. */
    public HttpPort route(String prefix, int maxBodyBytes, HttpRoute route) {
        routes.put(prefix, new Route(route, maxBodyBytes));
        return this;
    }

    /** Starts listening; the configured port in use stops start-up in one line naming the setting. */
    public HttpPort start() {
        return start("for the HTTP port (tokenwatch.http.port)");
    }

    /** Starts listening; a port in use stops start-up in one line saying how to choose another ({@code choose}). */
    public HttpPort start(String choose) {
        try {
            server.start();
        } catch (Exception e) {
            close();
            if (e instanceof BindException || e.getCause() instanceof BindException) {
                throw CannotStartException.portInUse(endpoint.port(), choose);
            }
            throw new IllegalStateException("Cannot start the HTTP port " + endpoint.address() + ":" + endpoint.port() + ": " + e.getMessage(), e);
        }
        return this;
    }

    public int port() {
        return connector.getLocalPort();
    }

    /** {@code http(s)://address:port} as reached from this host. */
    public String url() {
        return endpoint.scheme() + "://" + (endpoint.address().equals("0.0.0.0") ? "127.0.0.1" : endpoint.address()) + ":" + port();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("HTTP port did not stop cleanly: {}", e.toString());
        }
    }

    /** Finds the route of a request's path, reads its body to the route's bound, and writes the route's reply. */
    private final class Router extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = Request.getPathInContext(request);
            Map.Entry<String, Route> match = routes.floorEntry(path);
            while (match != null && !path.startsWith(match.getKey())) {
                match = routes.lowerEntry(match.getKey());
            }
            HttpReply reply;
            if (match == null) {
                reply = HttpReply.text(404, "not found");
            } else {
                reply = answer(request, match.getValue());
            }
            response.setStatus(reply.status());
            reply.headers().forEach((name, value) -> response.getHeaders().put(name, value));
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, reply.body().length);
            response.write(true, ByteBuffer.wrap(reply.body()), callback);
            return true;
        }

        private HttpReply answer(Request request, Route route) {
            long declared = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
            if (declared > route.maxBodyBytes()) {
                return HttpReply.text(413, "request body over " + route.maxBodyBytes() + " bytes");
            }
            byte[] body;
            try {
                body = Content.Source.asByteArrayAsync(request, route.maxBodyBytes()).get();
            } catch (ExecutionException e) {
                return HttpReply.text(413, "request body over " + route.maxBodyBytes() + " bytes, or not fully sent");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return HttpReply.text(503, "shutting down");
            }
            Map<String, String> headers = new HashMap<>();
            for (HttpField field : request.getHeaders()) {
                headers.putIfAbsent(field.getName(), field.getValue());
            }
            try {
                return route.handler().handle(new HttpCall(request.getMethod(), request.getHttpURI().toURI(), headers, body));
            } catch (IOException | RuntimeException e) {
                LOG.warn("HTTP {} {} failed: {}", request.getMethod(), request.getHttpURI().getPath(), e.toString());
                return HttpReply.text(500, "internal error");
            }
        }
    }
}
