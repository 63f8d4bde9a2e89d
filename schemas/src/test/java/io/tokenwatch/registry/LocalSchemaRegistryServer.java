package io.tokenwatch.registry;

import io.tokenwatch.http.HttpCall;
import io.tokenwatch.http.HttpReply;
import io.tokenwatch.http.TestRouteServer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A registry for tests: {@link SchemaRegistryRoutes} on loopback over a private {@link MockSchemaRegistry}
 * scope, which can require basic auth, fail the next N requests with 500 to exercise retries, hold
 * requests for a subject until told, and records what it was asked.
 */
public final class LocalSchemaRegistryServer implements AutoCloseable {
    private final String scope = "http-" + UUID.randomUUID();
    private final String expectedAuthorization;
    private final AtomicInteger failuresToInject = new AtomicInteger();
    private volatile String failingPath = "";
    private volatile int failingStatus = 500;
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    private volatile String heldPath = null;
    private volatile CountDownLatch heldUntil = new CountDownLatch(0);
    private final SchemaRegistryRoutes registry = new SchemaRegistryRoutes(MockSchemaRegistry.forScope(scope));
    private final TestRouteServer server;

    public LocalSchemaRegistryServer(String userInfo) throws IOException {
        this(userInfo, null);
    }

    /** Over HTTPS with {@code tls}'s certificate when given; asking for HTTP basic auth of {@code userInfo} when given. */
    public LocalSchemaRegistryServer(String userInfo, SSLContext tls) throws IOException {
        this.expectedAuthorization = userInfo == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
        server = new TestRouteServer(this::handle, tls);
    }

    public String url() {
        return server.url();
    }

    /** The next {@code n} requests answer 500. */
    public void failNext(int n) {
        failNext(n, "");
    }

    /** The next {@code n} requests whose path contains {@code pathPart} answer 500. */
    public void failNext(int n, String pathPart) {
        failNext(n, pathPart, 500);
    }

    /** The next {@code n} requests whose path contains {@code pathPart} answer {@code status} (503, 401 after a key rotation, 429 ...). */
    public void failNext(int n, String pathPart, int status) {
        failingStatus = status;
        failingPath = pathPart;
        failuresToInject.set(n);
    }

    /** How many of the injected failures are still to come. */
    public int failuresLeft() {
        return failuresToInject.get();
    }

    /**
     * Requests whose path contains {@code pathPart} (a subject, say) wait, unanswered, until the
     * returned latch counts down (5 minutes at most).
     */
    public CountDownLatch hold(String pathPart) {
        heldUntil = new CountDownLatch(1);
        heldPath = pathPart;
        return heldUntil;
    }

    /** "METHOD path Content-Type" of every request received. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    /** Answers 401 without the expected credentials, holds requests for a held path, and answers the injected status while failures are to be injected. */
    private HttpReply handle(HttpCall call) throws IOException {
        requests.add(call.method() + " " + call.rawPath() + " " + call.header("Content-Type"));
        if (expectedAuthorization != null && !expectedAuthorization.equals(call.header("Authorization"))) {
            return SchemaRegistryRoutes.error(401, 40101, "Unauthorized");
        }
        if (heldPath != null && call.rawPath().contains(heldPath) && !released(heldUntil)) {
            return SchemaRegistryRoutes.error(503, 50003, "Held by the test for too long");
        }
        if (call.rawPath().contains(failingPath) && failuresToInject.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return SchemaRegistryRoutes.error(failingStatus, failingStatus * 100 + 1, "Injected by the test");
        }
        return registry.handle(call);
    }

    private static boolean released(CountDownLatch latch) {
        try {
            return latch.await(5, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        server.close();
        MockSchemaRegistry.dropScope(scope);
    }
}
