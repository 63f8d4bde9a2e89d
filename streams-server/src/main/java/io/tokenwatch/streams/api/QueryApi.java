package io.tokenwatch.streams.api;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.tokenwatch.events.v1.Budget;
import io.tokenwatch.events.v1.ReconciliationHour;
import io.tokenwatch.http.BoundedBody;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.http.BearerToken;
import io.tokenwatch.streams.topology.BudgetTracker;
import io.tokenwatch.streams.topology.GroupAnomalyDetector;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The read-only query API over the detector's state. Each instance hosts some groups; with
 * {@code application.server} set, a request to any instance answers for all: {@code /api/groups}
 * gathers every instance's groups, a series request goes to the instance hosting that group (Kafka
 * Streams metadata). {@code /api/local/*} are the per-instance answers the gathering uses.
 */
public final class QueryApi {
    /** A group's series from another instance: a week of windows per metric is well under a megabyte. */
    private static final int MAX_PEER_RESPONSE_BYTES = 32 * 1024 * 1024;
    public static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** A response: HTTP status and JSON body. */
    public record Response(int status, String json) {
    }

    private final KafkaStreams streams;
    private final LocalGroupStore local;
    private final RecentAlerts alerts;
    private final TopicFollower<ReconciliationHour> reconciled;
    private final Optional<HostInfo> self;
    private final BearerToken token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public QueryApi(KafkaStreams streams, TokenwatchConfig config, RecentAlerts alerts) {
        this.streams = streams;
        this.local = new LocalGroupStore(streams, config);
        this.alerts = alerts;
        // 60 days of hours for 40 models at most: the compacted topic keeps more, the API shows the last week.
        this.reconciled = new TopicFollower<>(config.kafkaProperties(), config.reconciliationTopic, ReconciliationHour.class,
                h -> h.getProvider() + "|" + h.getModel() + "|" + h.getHourStart(), Comparator.comparing(ReconciliationHour::getHourStart), 60 * 24 * 40);
        this.self = Optional.ofNullable(config.kafkaProperties().get(StreamsConfig.APPLICATION_SERVER_CONFIG)).map(HostInfo::buildFromEndpoint);
        this.token = BearerToken.of(config.httpToken);
    }

    /** Stops following the reconciliation topic. */
    public void close() {
        reconciled.close();
    }

    public Response handle(String path, Map<String, String> query) throws IOException {
        List<String> parts = List.of(path.replaceAll("^/api/?", "").split("/"));
        try {
            return switch (parts.get(0)) {
                case "groups" -> parts.size() == 1 ? ok(filter(allGroups(), query))
                        : parts.size() == 4 && parts.get(3).equals("series") ? series(decode(parts.get(1)), decode(parts.get(2)))
                        : notFound(path);
                case "outliers" -> ok(Outliers.of(allGroups(), sortBy(query.getOrDefault("sort", "spend")), limit(query, 10)));
                case "alerts" -> ok(alerts.latest(limit(query, 50)).stream().map(AlertView::of).toList());
                case "budgets" -> ok(allBudgets());
                case "reconciliation" -> ok(ReconciliationSummary.of(reconciled.newest(Integer.MAX_VALUE), Instant.now().minus(Duration.ofDays(days(query)))));
                case "local" -> parts.size() >= 2 && parts.get(1).equals("groups") ? ok(local.groups())
                        : parts.size() == 2 && parts.get(1).equals("budgets") ? ok(local.budgets())
                        : parts.size() == 3 && parts.get(1).equals("series") ? localSeries(decode(parts.get(2))) : notFound(path);
                default -> notFound(path);
            };
        } catch (InvalidStateStoreException e) {
            return new Response(503, JSON.writeValueAsString(Map.of("error", "state not queryable yet (rebalancing or restoring): " + e.getMessage())));
        } catch (IllegalArgumentException e) {
            return new Response(400, JSON.writeValueAsString(Map.of("error", e.getMessage())));
        }
    }

    /** Every instance's groups: this one's from its stores, the others' over HTTP. */
    private List<GroupSnapshot> allGroups() throws IOException {
        List<GroupSnapshot> groups = new ArrayList<>(local.groups());
        if (self.isPresent()) {
            for (var metadata : streams.metadataForAllStreamsClients()) {
                if (!metadata.hostInfo().equals(self.get()) && metadata.stateStoreNames().contains(GroupAnomalyDetector.BASELINES)) {
                    groups.addAll(JSON.readValue(fetch(metadata.hostInfo(), "/api/local/groups"), new TypeReference<List<GroupSnapshot>>() {
                    }));
                }
            }
        }
        groups.sort(Comparator.comparing(GroupSnapshot::dimension).thenComparing(GroupSnapshot::group));
        return groups;
    }

    /** Every budget in force: with its spend from the instance that counts it, or unspent in the current period. */
    private List<BudgetView> allBudgets() throws IOException {
        Map<String, Budget> defined = local.definedBudgets();
        Map<String, BudgetView> views = new TreeMap<>();
        local.budgets(defined).forEach(v -> views.put(v.key(), v));
        if (self.isPresent()) {
            for (var metadata : streams.metadataForAllStreamsClients()) {
                if (!metadata.hostInfo().equals(self.get()) && metadata.stateStoreNames().contains(BudgetTracker.SPEND)) {
                    JSON.readValue(fetch(metadata.hostInfo(), "/api/local/budgets"), new TypeReference<List<BudgetView>>() {
                    }).forEach(v -> views.put(v.key(), v));
                }
            }
        }
        Instant now = Instant.now();
        defined.forEach((key, budget) -> views.computeIfAbsent(key, k -> BudgetView.unspent(k, budget, now)));
        views.keySet().retainAll(defined.keySet());
        return List.copyOf(views.values());
    }

    private Response series(String dimension, String group) throws IOException {
        String groupKey = dimension + "|" + group;
        if (self.isPresent()) {
            KeyQueryMetadata owner = streams.queryMetadataForKey(GroupAnomalyDetector.BASELINES, groupKey, Serdes.String().serializer());
            if (owner != null && !owner.activeHost().equals(HostInfo.unavailable()) && !owner.activeHost().equals(self.get())) {
                return new Response(200, fetch(owner.activeHost(), "/api/local/series/" + URLEncoder.encode(groupKey, StandardCharsets.UTF_8)));
            }
        }
        return localSeries(groupKey);
    }

    private Response localSeries(String groupKey) throws IOException {
        Optional<GroupSeries> series = local.series(groupKey);
        return series.isPresent() ? ok(series.get()) : notFound("no group " + groupKey);
    }

    private String fetch(HostInfo host, String path) throws IOException {
        URI target = URI.create("http://" + host.host() + ":" + host.port() + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(10));
        // The token stays here: the peer checks a signature made with the token it shares, so nothing reusable crosses plain HTTP.
        token.peerSignature(target, Instant.now()).ifPresent(signature -> request.header(BearerToken.PEER_HEADER, signature));
        try {
            HttpResponse<String> response = http.send(request.build(), BoundedBody.ofString(MAX_PEER_RESPONSE_BYTES));
            if (response.statusCode() == 503) {
                throw new InvalidStateStoreException("instance " + host + " is not queryable yet");
            }
            if (response.statusCode() != 200) {
                throw new IOException("instance " + host + " answered " + response.statusCode() + " for " + path);
            }
            return response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static List<GroupSnapshot> filter(List<GroupSnapshot> groups, Map<String, String> query) {
        String dimension = query.get("dimension");
        return dimension == null ? groups : groups.stream().filter(g -> g.dimension().equals(dimension)).toList();
    }

    private static Outliers.SortBy sortBy(String raw) {
        try {
            return Outliers.SortBy.valueOf(raw.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("sort must be spend or cost_per_accepted, not " + raw);
        }
    }

    private static int days(Map<String, String> query) {
        try {
            return Math.max(1, Math.min(60, Integer.parseInt(query.getOrDefault("days", "7"))));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("days must be a number");
        }
    }

    private static int limit(Map<String, String> query, int fallback) {
        try {
            return Math.max(1, Math.min(500, Integer.parseInt(query.getOrDefault("limit", Integer.toString(fallback)))));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("limit must be a number");
        }
    }

    private static String decode(String part) {
        return URLDecoder.decode(part, StandardCharsets.UTF_8);
    }

    private static Response ok(Object body) throws IOException {
        return new Response(200, JSON.writeValueAsString(body));
    }

    private static Response notFound(String what) throws IOException {
        return new Response(404, JSON.writeValueAsString(Map.of("error", "not found: " + what)));
    }
}
