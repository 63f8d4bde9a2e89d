package io.tokenwatch.runtime.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.runtime.CannotStartException;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The HTTP every Tokenwatch process serves for operators and Kubernetes: {@code /health/live},
 * {@code /health/ready} (200 or 503, the state as the body) and {@code /metrics} in Prometheus
 * format (with JVM memory). Components add their own paths before {@link #start()}.
 */
public final class OperatorHttpServer implements AutoCloseable {
    /**
     * A request not answered within this many seconds (its line and headers not even sent, say) is closed; the JDK server's
     * default is never. Above the 10 s an API request may wait for another instance.
     */
    private static final String MAX_REQUEST_SECONDS = "20";
    /** Threads for requests: enough that sockets sending half a request cannot take them all before the timeout closes them. */
    private static final int MAX_THREADS = 64;

    static {
        applyServerLimits();
    }

    private final HttpServer server;

    /**
     * The JDK HTTP server reads its limits once, when its first server is made: a process's entry point calls
     * this before anything else. A setting already given on the command line ({@code -Dsun.net.httpserver...}) wins.
     */
    public static void applyServerLimits() {
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", MAX_REQUEST_SECONDS);
        }
    }

    /** @param address the interface to listen on ({@code tokenwatch.http.address}: loopback unless one is configured) */
    public OperatorHttpServer(String address, int port, Supplier<String> state, BooleanSupplier live, BooleanSupplier ready,
                              PrometheusMeterRegistry registry) throws IOException {
        new JvmMemoryMetrics().bindTo(registry);
        server = bind(address, port, "the HTTP port (tokenwatch.http.port, --http-port)");
        // A few threads kept, more made on demand: a probe is answered while slow sockets hold some of them.
        ThreadPoolExecutor pool = new ThreadPoolExecutor(4, MAX_THREADS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "tokenwatch-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/health/live", exchange -> respond(exchange, live.getAsBoolean() ? 200 : 503, "text/plain", state.get()));
        server.createContext("/health/ready", exchange -> respond(exchange, ready.getAsBoolean() ? 200 : 503, "text/plain", state.get()));
        server.createContext("/metrics", exchange -> respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
    }

    /**
     * Registers each of a component's counts as a counter {@code prefix + name} (on {@code /metrics}:
     * {@code tokenwatch_<component>_<name>_total}), described as "{@code component}: name".
     */
    public static void registerCounters(MeterRegistry registry, String prefix, String component, Map<String, AtomicLong> counts) {
        counts.forEach((name, value) -> FunctionCounter.builder(prefix + name, value, AtomicLong::get)
                .description(component + ": " + name.replace('_', ' ').replace('.', ' ')).register(registry));
    }

    /** An HTTP server bound to {@code address:port}; a port in use stops start-up in one line naming the setting. */
    public static HttpServer bind(String address, int port, String setting) throws IOException {
        try {
            return HttpServer.create(new InetSocketAddress(address, port), 0);
        } catch (BindException e) {
            throw CannotStartException.portInUse(port, "for " + setting);
        }
    }

    public OperatorHttpServer context(String path, HttpHandler handler) {
        server.createContext(path, handler);
        return this;
    }

    public OperatorHttpServer start() {
        server.start();
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The request's query parameters, decoded, in order (the last of a repeated name wins). */
    public static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> query = new LinkedHashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                String[] kv = pair.split("=", 2);
                query.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
            }
        }
        return query;
    }

    public static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
