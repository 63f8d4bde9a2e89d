package io.tokenwatch.streams.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A real HTTP server standing in for Slack's incoming webhooks: records every request (path, arrival
 * time, JSON body, the status it answered) and answers from a per-path script (429 with Retry-After,
 * 5xx, slow answers, 404), then 200 "ok".
 */
final class ScriptedSlackServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Reply(int status, long delayMs, Map<String, String> headers, String body) {
        static Reply status(int status, String body) {
            return new Reply(status, 0, Map.of(), body);
        }

        static Reply retryAfter(int seconds) {
            return new Reply(429, 0, Map.of("Retry-After", Integer.toString(seconds)), "rate_limited");
        }

        static Reply slow(long delayMs) {
            return new Reply(200, delayMs, Map.of(), "ok");
        }
    }

    record Request(String path, Instant arrived, JsonNode body, int answered) {
        boolean delivered() {
            return answered == 200;
        }
    }

    private final HttpServer server;
    private final Map<String, Queue<Reply>> scripts = new ConcurrentHashMap<>();
    private final Map<String, Reply> always = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    ScriptedSlackServer(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", this::handle);
        server.start();
    }

    URI webhook(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** The next requests to {@code path} get these replies, in order. */
    void script(String path, Reply... replies) {
        scripts.computeIfAbsent(path, p -> new ArrayDeque<>()).addAll(List.of(replies));
    }

    /** Every request to {@code path} (after its script) gets this reply; null for 200. */
    void always(String path, Reply reply) {
        if (reply == null) {
            always.remove(path);
        } else {
            always.put(path, reply);
        }
    }

    List<Request> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    List<Request> delivered(String path) {
        return requests(path).stream().filter(Request::delivered).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        Instant arrived = Instant.now();
        String path = exchange.getRequestURI().getPath();
        JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
        Queue<Reply> script = scripts.get(path);
        Reply reply;
        synchronized (this) {
            reply = script != null && !script.isEmpty() ? script.poll() : always.getOrDefault(path, Reply.status(200, "ok"));
        }
        if (reply.delayMs() > 0) {
            try {
                Thread.sleep(reply.delayMs()); // the scripted slowness itself, not a wait in the test
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // A reply slower than the client's timeout never reaches it: recorded as not delivered.
        int answered = reply.delayMs() > 0 ? -1 : reply.status();
        requests.add(new Request(path, arrived, body, answered));
        reply.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
        try {
            exchange.sendResponseHeaders(reply.status(), bytes.length);
            exchange.getResponseBody().write(bytes);
        } catch (IOException clientGone) {
            // the client timed out and closed the connection
        } finally {
            exchange.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
