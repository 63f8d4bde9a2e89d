package io.tokenwatch.streams.reconcile;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's Usage API: {@code GET /v1/organization/usage/completions} with {@code bucket_width=1h} and
 * {@code group_by=model}. Its input tokens include the cached ones, as Tokenwatch's do; it has no cache
 * writes, and it counts requests.
 */
final class OpenAiUsageReport implements UsageReport {
    private final URI base;
    private final String adminKey;
    private final UsageHttp http;

    OpenAiUsageReport(URI base, String adminKey, UsageHttp http) {
        this.base = base;
        this.adminKey = adminKey;
        this.http = http;
    }

    @Override
    public String provider() {
        return "openai";
    }

    @Override
    public List<ProviderUsage> hours(Instant from, Instant to) throws IOException, InterruptedException {
        return http.buckets(page -> base.resolve("/v1/organization/usage/completions?start_time=" + from.getEpochSecond() + "&end_time=" + to.getEpochSecond()
                        + "&bucket_width=1h&group_by=model&limit=168" + (page == null ? "" : "&page=" + URLEncoder.encode(page, StandardCharsets.UTF_8))),
                Map.of("Authorization", "Bearer " + adminKey), bucket -> Instant.ofEpochSecond(bucket.path("start_time").asLong()),
                (hour, r) -> new ProviderUsage(provider(), r.path("model").asText("unknown"), hour, r.path("input_tokens").asLong(),
                        r.path("output_tokens").asLong(), r.path("input_cached_tokens").asLong(), 0, r.path("num_model_requests").asLong()));
    }
}
