package io.tokenwatch.streams.reconcile;

import java.time.Instant;

/**
 * One provider's usage of one model in one hour, in Tokenwatch's terms: input tokens include cached
 * ones (reads and writes), as an {@code LlmCall}'s do.
 */
public record ProviderUsage(String provider, String model, Instant hour, long inputTokens, long outputTokens, long cacheReadTokens,
                            long cacheWriteTokens, Long requests) {

    public ProviderUsage plus(ProviderUsage other) {
        return new ProviderUsage(provider, model, hour, inputTokens + other.inputTokens, outputTokens + other.outputTokens,
                cacheReadTokens + other.cacheReadTokens, cacheWriteTokens + other.cacheWriteTokens,
                requests == null && other.requests == null ? null : (requests == null ? 0 : requests) + (other.requests == null ? 0 : other.requests));
    }
}
