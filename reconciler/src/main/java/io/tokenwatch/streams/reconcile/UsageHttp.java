package io.tokenwatch.streams.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.http.BoundedBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * GET a usage API page with retries: 429 waits what {@code Retry-After} says, 5xx, timeouts and
 * refused connections back off exponentially (1 s doubling up to the maximum), other 4xx fail at once
 * (a wrong or revoked key will not get better). Headers carry the admin key and are never logged; the
 * log names the path and query only.
 */
final class UsageHttp {
    private static final Logger LOG = LoggerFactory.getLogger(UsageHttp.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ATTEMPTS = 8;
    /** A page of hourly buckets is tens of kilobytes; far more is a broken API, retried like one. */
    private static final int MAX_PAGE_BYTES = 16 * 1024 * 1024;

    /** A request that will not succeed by retrying; its message never holds the key. */
    static final class UsageApiException extends IOException {
        UsageApiException(String message) {
            super(message);
        }
    }

    private final HttpClient http;
    private final Duration timeout;
    private final Duration maxBackoff;
    private final Sleeper sleeper;

    /** How retries wait (replaced in tests that count the waits). */
    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    UsageHttp(Duration timeout, Duration maxBackoff, Sleeper sleeper) {
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.timeout = timeout;
        this.maxBackoff = maxBackoff;
        this.sleeper = sleeper;
    }

    /** Every page of a paged usage report ({@code has_more}, {@code next_page}), in order; {@code uriOf} gets null for the first. */
    void pages(Function<String, URI> uriOf, Map<String, String> headers, Consumer<JsonNode> each) throws IOException, InterruptedException {
        String page = null;
        do {
            JsonNode body = get(uriOf.apply(page), headers);
            each.accept(body);
            page = body.path("has_more").asBoolean() ? body.path("next_page").asText(null) : null;
        } while (page != null);
    }

    /** How one result row of a bucket becomes usage, given the bucket's hour. */
    interface RowReader {
        ProviderUsage read(Instant hour, JsonNode row);
    }

    /**
     * Every row of every hourly bucket of a paged usage report: both APIs answer pages whose
     * {@code data} holds buckets, each with its {@code results}, one per model.
     */
    List<ProviderUsage> buckets(Function<String, URI> uriOf, Map<String, String> headers, Function<JsonNode, Instant> hourOf, RowReader rows)
            throws IOException, InterruptedException {
        List<ProviderUsage> usage = new ArrayList<>();
        pages(uriOf, headers, body -> {
            for (JsonNode bucket : body.path("data")) {
                Instant hour = hourOf.apply(bucket);
                for (JsonNode row : bucket.path("results")) {
                    usage.add(rows.read(hour, row));
                }
            }
        });
        return usage;
    }

    JsonNode get(URI uri, Map<String, String> headers) throws IOException, InterruptedException {
        Duration backoff = Duration.ofSeconds(1);
        String where = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        for (int attempt = 1; ; attempt++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).GET().header("Accept", "application/json");
            headers.forEach(request::header);
            String failure;
            Duration wait = backoff;
            try {
                HttpResponse<String> response = http.send(request.build(), BoundedBody.ofString(MAX_PAGE_BYTES));
                int status = response.statusCode();
                if (status == 200) {
                    return JSON.readTree(response.body());
                }
                if (status == 429) {
                    wait = response.headers().firstValue("Retry-After").map(UsageHttp::seconds).orElse(backoff);
                    failure = "429 rate limited";
                } else if (status >= 500) {
                    failure = status + " server error";
                } else {
                    throw new UsageApiException("GET " + where + " answered " + status + (status == 401 || status == 403
                            ? ": the admin key was refused (check it and its scope)" : ": " + brief(response.body())));
                }
            } catch (HttpTimeoutException e) {
                failure = "no answer within " + timeout.toSeconds() + " s";
            } catch (ConnectException e) {
                failure = "connection refused";
            }
            if (attempt >= MAX_ATTEMPTS) {
                throw new UsageApiException("GET " + where + " failed " + attempt + " times; the last: " + failure);
            }
            LOG.warn("GET {}: {}; retrying in {} s (attempt {} of {})", where, failure, wait.toSeconds(), attempt, MAX_ATTEMPTS);
            sleeper.sleep(wait);
            backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
        }
    }

    private static Duration seconds(String retryAfter) {
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(retryAfter.trim())));
        } catch (NumberFormatException e) {
            return Duration.ofSeconds(1);
        }
    }

    private static String brief(String body) {
        return body.length() > 200 ? body.substring(0, 200) + "…" : body;
    }
}
