package io.tokenwatch.streams.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenwatch.http.HttpCall;
import io.tokenwatch.http.HttpReply;
import io.tokenwatch.runtime.http.HttpEndpoint;
import io.tokenwatch.runtime.http.HttpPort;
import io.tokenwatch.streams.reconcile.ProviderUsage;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Stand-ins of Anthropic's and OpenAI's usage APIs, on one loopback port: they bill every call they
 * are told of (in the demo, those hidden from producer-lib too), per model and hour, in the shapes and
 * pages the real endpoints answer with, so {@code reconcile} finds what never reached Tokenwatch.
 */
public final class ProviderStandIns implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpReply SHUTTING_DOWN = HttpReply.json(503, "{\"error\":\"shutting down\"}");

    /** Called before each answer with the provider asked and the request; may block (tests hold a provider's answers). */
    public interface BeforeAnswer {
        void await(String provider, HttpCall request) throws InterruptedException;
    }

    private final Map<String, ProviderUsage> billed = new ConcurrentHashMap<>();
    private final int bucketsPerPage;
    private final BeforeAnswer beforeAnswer;
    private final HttpPort server;

    /** The demo's: a day of hourly buckets per page, as the APIs' {@code limit=24} gives, answered at once. */
    ProviderStandIns() throws IOException {
        this(24, (provider, request) -> { });
    }

    public ProviderStandIns(int bucketsPerPage, BeforeAnswer beforeAnswer) throws IOException {
        this.bucketsPerPage = bucketsPerPage;
        this.beforeAnswer = beforeAnswer;
        // Each request has a thread of the port's pool: a held answer does not hold the other provider's.
        server = new HttpPort(HttpEndpoint.plain("127.0.0.1", 0)).route("/v1/organizations/usage_report/messages", this::anthropic)
                .route("/v1/organization/usage/completions", this::openai).start();
    }

    public String baseUrl() {
        return server.url();
    }

    /** Where each call is reported as billed (its model as the provider names it). */
    public Consumer<ProviderUsage> billing() {
        return usage -> billed.merge(usage.provider() + "|" + usage.model() + "|" + usage.hour(), usage, ProviderUsage::plus);
    }

    /** The page of hourly buckets a request asks for: {@code page} is the index of its first bucket. */
    private List<Map.Entry<Instant, List<ProviderUsage>>> page(String provider, Instant from, Instant to, String page, ObjectNode body) {
        Map<Instant, List<ProviderUsage>> byHour = new TreeMap<>();
        billed.values().stream().filter(u -> u.provider().equals(provider) && !u.hour().isBefore(from) && u.hour().isBefore(to))
                .forEach(u -> byHour.computeIfAbsent(u.hour(), h -> new ArrayList<>()).add(u));
        List<Map.Entry<Instant, List<ProviderUsage>>> hours = new ArrayList<>(byHour.entrySet());
        int first = page == null ? 0 : Integer.parseInt(page);
        int end = Math.min(hours.size(), first + bucketsPerPage);
        body.put("has_more", end < hours.size());
        if (end < hours.size()) {
            body.put("next_page", String.valueOf(end));
        } else {
            body.putNull("next_page");
        }
        return hours.subList(Math.min(first, end), end);
    }

    private HttpReply anthropic(HttpCall call) throws IOException {
        Map<String, String> query = call.query();
        if (!held(call, "anthropic")) {
            return SHUTTING_DOWN;
        }
        ObjectNode body = JSON.createObjectNode();
        ArrayNode data = body.putArray("data");
        for (Map.Entry<Instant, List<ProviderUsage>> hour : page("anthropic", Instant.parse(query.get("starting_at")), Instant.parse(query.get("ending_at")),
                query.get("page"), body)) {
            ObjectNode bucket = data.addObject().put("starting_at", hour.getKey().toString())
                    .put("ending_at", hour.getKey().plus(Duration.ofHours(1)).toString());
            ArrayNode results = bucket.putArray("results");
            for (ProviderUsage u : hour.getValue()) {
                ObjectNode r = results.addObject().put("uncached_input_tokens", u.inputTokens() - u.cacheReadTokens() - u.cacheWriteTokens())
                        .put("cache_read_input_tokens", u.cacheReadTokens()).put("output_tokens", u.outputTokens()).put("model", u.model());
                r.putObject("cache_creation").put("ephemeral_5m_input_tokens", u.cacheWriteTokens()).put("ephemeral_1h_input_tokens", 0);
            }
        }
        return HttpReply.json(200, JSON.writeValueAsString(body));
    }

    private HttpReply openai(HttpCall call) throws IOException {
        Map<String, String> query = call.query();
        if (!held(call, "openai")) {
            return SHUTTING_DOWN;
        }
        ObjectNode body = JSON.createObjectNode().put("object", "page");
        ArrayNode data = body.putArray("data");
        for (Map.Entry<Instant, List<ProviderUsage>> hour : page("openai", Instant.ofEpochSecond(Long.parseLong(query.get("start_time"))),
                Instant.ofEpochSecond(Long.parseLong(query.get("end_time"))), query.get("page"), body)) {
            ObjectNode bucket = data.addObject().put("object", "bucket").put("start_time", hour.getKey().getEpochSecond())
                    .put("end_time", hour.getKey().plus(Duration.ofHours(1)).getEpochSecond());
            ArrayNode results = bucket.putArray("results");
            for (ProviderUsage u : hour.getValue()) {
                results.addObject().put("object", "organization.usage.completions.result").put("input_tokens", u.inputTokens())
                        .put("output_tokens", u.outputTokens()).put("input_cached_tokens", u.cacheReadTokens())
                        .put("num_model_requests", u.requests()).put("model", u.model());
            }
        }
        return HttpReply.json(200, JSON.writeValueAsString(body));
    }

    /** False (to be answered 503) when interrupted while held. */
    private boolean held(HttpCall call, String provider) {
        try {
            beforeAnswer.await(provider, call);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
