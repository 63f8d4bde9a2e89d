package io.tokenwatch.registry;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A registry for tests: {@link SchemaRegistryHttpServer} on loopback over a private
 * {@link MockSchemaRegistry} scope, which can require basic auth, fail the next N requests with 500
 * to exercise retries, and records what it was asked.
 */
public final class LocalSchemaRegistryServer implements AutoCloseable {
    private final String scope = "http-" + UUID.randomUUID();
    private final String expectedAuthorization;
    private final AtomicInteger failuresToInject = new AtomicInteger();
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    private final SchemaRegistryHttpServer server;

    public LocalSchemaRegistryServer(String userInfo) throws IOException {
        this.expectedAuthorization = userInfo == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
        server = SchemaRegistryHttpServer.start(MockSchemaRegistry.forScope(scope), "127.0.0.1", 0,
                Filter.beforeHandler("record", e -> requests.add(e.getRequestMethod() + " " + e.getRequestURI().getRawPath() + " "
                        + e.getRequestHeaders().getFirst("Content-Type"))),
                new Faults());
    }

    public String url() {
        return server.url();
    }

    /** The next {@code n} requests answer 500. */
    public void failNext(int n) {
        failuresToInject.set(n);
    }

    /** "METHOD path Content-Type" of every request received. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    /** Answers 401 without the expected credentials and 500 while failures are to be injected. */
    private final class Faults extends Filter {
        @Override
        public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
            if (expectedAuthorization != null && !expectedAuthorization.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                SchemaRegistryHttpServer.error(exchange, 401, 40101, "Unauthorized");
            } else if (failuresToInject.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                SchemaRegistryHttpServer.error(exchange, 500, 50001, "Error in the backend data store");
            } else {
                chain.doFilter(exchange);
            }
        }

        @Override
        public String description() {
            return "auth and injected failures";
        }
    }

    @Override
    public void close() {
        server.close();
        MockSchemaRegistry.dropScope(scope);
    }
}
