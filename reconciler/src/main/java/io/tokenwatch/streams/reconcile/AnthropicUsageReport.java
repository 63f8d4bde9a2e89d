package io.tokenwatch.streams.reconcile;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Anthropic's Admin API: {@code GET /v1/organizations/usage_report/messages} with {@code bucket_width=1h}
 * and {@code group_by[]=model}. Its input tokens leave the cache out: uncached + cache read + cache
 * creation (5 minutes and 1 hour) is the input Tokenwatch counts.
 */
final class AnthropicUsageReport implements UsageReport {
    private final URI base;
    private final String adminKey;
    private final UsageHttp http;

    AnthropicUsageReport(URI base, String adminKey, UsageHttp http) {
        this.base = base;
        this.adminKey = adminKey;
        this.http = http;
    }

    @Override
    public String provider() {
        return "anthropic";
    }

    @Override
    public List<ProviderUsage> hours(Instant from, Instant to) throws IOException, InterruptedException {
        return http.buckets(page -> base.resolve("/v1/organizations/usage_report/messages?starting_at=" + from + "&ending_at=" + to
                        + "&bucket_width=1h&group_by%5B%5D=model&limit=168" + (page == null ? "" : "&page=" + URLEncoder.encode(page, StandardCharsets.UTF_8))),
                Map.of("x-api-key", adminKey, "anthropic-version", "2023-06-01"), bucket -> Instant.parse(bucket.path("starting_at").asText()),
                (hour, r) -> {
                    long cacheRead = r.path("cache_read_input_tokens").asLong();
                    long cacheWrite = r.path("cache_creation").path("ephemeral_5m_input_tokens").asLong()
                            + r.path("cache_creation").path("ephemeral_1h_input_tokens").asLong();
                    return new ProviderUsage(provider(), r.path("model").asText("unknown"), hour,
                            r.path("uncached_input_tokens").asLong() + cacheRead + cacheWrite, r.path("output_tokens").asLong(), cacheRead, cacheWrite, null);
                });
    }
}
