package io.tokenwatch.producer;

/**
 * Token counts of one call, normalised to OpenTelemetry GenAI semantics whatever the provider:
 * {@code inputTokens} includes cache reads and writes, {@code outputTokens} includes reasoning.
 *
 * @param cacheWrite1hTokens part of {@code cacheWriteTokens} written with the 1-hour TTL (the rest used 5 minutes)
 */
public record TokenUsage(long inputTokens, long outputTokens, long cacheReadTokens, long cacheWriteTokens,
                         long cacheWrite1hTokens, long reasoningTokens) {

    /** Plain input and output counts, no caching or reasoning. */
    public static TokenUsage of(long inputTokens, long outputTokens) {
        return new TokenUsage(inputTokens, outputTokens, 0, 0, 0, 0);
    }

    /** Tokens billed at the uncached input price. */
    public long uncachedInputTokens() {
        return inputTokens - cacheReadTokens - cacheWriteTokens;
    }
}
