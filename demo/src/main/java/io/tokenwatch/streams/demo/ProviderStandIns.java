package io.tokenwatch.streams.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tokenwatch.streams.app.OperatorHttpServer;
import io.tokenwatch.streams.reconcile.ProviderUsage;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The demo's stand-ins of Anthropic's and OpenAI's usage APIs, on one loopback port: they bill every
 * call the workload makes (those hidden from producer-lib too), per model and hour, in the shapes
 * the real endpoints answer with, so {@code reconcile} finds what never reached Tokenwatch.
 */
final class ProviderStandIns implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, ProviderUsage> billed = new ConcurrentHashMap<>();
    private final HttpServer server;

    ProviderStandIns() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/organizations/usage_report/messages", this::anthropic);
        server.createContext("/v1/organization/usage/completions", this::openai);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Where the traffic writer reports each call as billed. */
    Consumer<ProviderUsage> billing() {
        return usage -> billed.merge(usage.provider() + "|" + usage.model() + "|" + usage.hour(), usage, ProviderUsage::plus);
    }

    private Map<Instant, List<ProviderUsage>> hours(String provider, Instant from, Instant to) {
        Map<Instant, List<ProviderUsage>> byHour = new TreeMap<>();
        billed.values().stream().filter(u -> u.provider().equals(provider) && !u.hour().isBefore(from) && u.hour().isBefore(to))
                .forEach(u -> byHour.computeIfAbsent(u.hour(), h -> new ArrayList<>()).add(u));
        return byHour;
    }

    private void anthropic(HttpExchange exchange) throws IOException {
        Map<String, String> query = OperatorHttpServer.query(exchange);
        ObjectNode body = JSON.createObjectNode();
        ArrayNode data = body.putArray("data");
        hours("anthropic", Instant.parse(query.get("starting_at")), Instant.parse(query.get("ending_at"))).forEach((hour, models) -> {
            ObjectNode bucket = data.addObject().put("starting_at", hour.toString()).put("ending_at", hour.plus(Duration.ofHours(1)).toString());
            ArrayNode results = bucket.putArray("results");
            for (ProviderUsage u : models) {
                ObjectNode r = results.addObject().put("uncached_input_tokens", u.inputTokens() - u.cacheReadTokens() - u.cacheWriteTokens())
                        .put("cache_read_input_tokens", u.cacheReadTokens()).put("output_tokens", u.outputTokens()).put("model", u.model());
                r.putObject("cache_creation").put("ephemeral_5m_input_tokens", u.cacheWriteTokens()).put("ephemeral_1h_input_tokens", 0);
            }
        });
        body.put("has_more", false).putNull("next_page");
        respond(exchange, body);
    }

    private void openai(HttpExchange exchange) throws IOException {
        Map<String, String> query = OperatorHttpServer.query(exchange);
        ObjectNode body = JSON.createObjectNode().put("object", "page");
        ArrayNode data = body.putArray("data");
        hours("openai", Instant.ofEpochSecond(Long.parseLong(query.get("start_time"))), Instant.ofEpochSecond(Long.parseLong(query.get("end_time"))))
                .forEach((hour, models) -> {
                    ObjectNode bucket = data.addObject().put("object", "bucket").put("start_time", hour.getEpochSecond())
                            .put("end_time", hour.plus(Duration.ofHours(1)).getEpochSecond());
                    ArrayNode results = bucket.putArray("results");
                    for (ProviderUsage u : models) {
                        results.addObject().put("object", "organization.usage.completions.result").put("input_tokens", u.inputTokens())
                                .put("output_tokens", u.outputTokens()).put("input_cached_tokens", u.cacheReadTokens())
                                .put("num_model_requests", u.requests()).put("model", u.model());
                    }
                });
        body.put("has_more", false).putNull("next_page");
        respond(exchange, body);
    }

    private static void respond(HttpExchange exchange, ObjectNode body) throws IOException {
        OperatorHttpServer.respond(exchange, 200, "application/json", JSON.writeValueAsString(body));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
