package io.tokenwatch.streams.notify;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenwatch.http.BoundedBody;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;

/**
 * Posts to Slack incoming webhooks over HTTP. Classifies every answer: 200 delivered; 429 retry after
 * Slack's {@code Retry-After}; 5xx, timeouts and connection failures retry with backoff; other 4xx
 * (e.g. {@code invalid_payload}, {@code channel_is_archived}, a revoked webhook) are final. Error
 * details name the webhook, never its URL.
 */
public final class SlackWebhookClient implements SlackPoster {
    /** Slack answers "ok" or a short error; only the first 200 characters are ever shown. */
    private static final int MAX_RESPONSE_BYTES = 64 * 1024;

    private final Webhooks webhooks;
    private final Duration timeout;
    private final HttpClient http;

    public SlackWebhookClient(Webhooks webhooks, Duration timeout) {
        this.webhooks = webhooks;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public boolean serves(String webhook) {
        return webhooks.names().contains(webhook);
    }

    @Override
    public Result post(String webhook, ObjectNode message) {
        HttpRequest request = HttpRequest.newBuilder(webhooks.url(webhook)).timeout(timeout)
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(message.toString())).build();
        try {
            HttpResponse<String> response = http.send(request, BoundedBody.ofString(MAX_RESPONSE_BYTES));
            int status = response.statusCode();
            String body = response.body().length() > 200 ? response.body().substring(0, 200) : response.body();
            if (status / 100 == 2) {
                return Result.delivered();
            }
            if (status == 429) {
                Optional<Duration> retryAfter = response.headers().firstValue("Retry-After").flatMap(SlackWebhookClient::seconds);
                return new Result(Outcome.RETRY, retryAfter.or(() -> Optional.of(Duration.ofSeconds(1))), "429 rate limited: " + body);
            }
            return new Result(status >= 500 ? Outcome.RETRY : Outcome.REJECTED, Optional.empty(), "HTTP " + status + ": " + body);
        } catch (HttpTimeoutException e) {
            return new Result(Outcome.RETRY, Optional.empty(), "no answer within " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            return new Result(Outcome.RETRY, Optional.empty(), "connection failed: " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(Outcome.RETRY, Optional.empty(), "interrupted");
        }
    }

    private static Optional<Duration> seconds(String value) {
        try {
            return Optional.of(Duration.ofSeconds(Long.parseLong(value.trim())));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
