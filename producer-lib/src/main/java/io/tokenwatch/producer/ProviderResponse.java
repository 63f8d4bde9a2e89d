package io.tokenwatch.producer;

/**
 * What an adapter read from a provider's response: normalised usage and the metadata that came with
 * it. Any field but {@code usage} may be null (or 0 for tool calls) when the response did not say.
 */
public record ProviderResponse(String provider, String model, String requestId, TokenUsage usage, String stopReason, int toolCalls) {
}
