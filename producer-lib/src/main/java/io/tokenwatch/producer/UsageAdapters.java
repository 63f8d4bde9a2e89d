package io.tokenwatch.producer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.List;

/**
 * Reads the usage that providers return, as JSON, without their SDKs, and normalises it: input
 * tokens include cached ones (as OpenTelemetry and OpenAI count them; Anthropic reports cache reads
 * and writes separately, so they are added back), output tokens include reasoning.
 *
 * <p>Each method accepts either the whole response body or just its {@code usage} object.
 */
public final class UsageAdapters {
    private static final ObjectMapper JSON = new ObjectMapper();

    private UsageAdapters() {
    }

    /** Anthropic Messages API. */
    public static ProviderResponse anthropic(String json) {
        JsonNode root = parse(json);
        JsonNode usage = root.has("usage") ? root.get("usage") : root;
        long uncached = usage.path("input_tokens").asLong();
        long cacheRead = usage.path("cache_read_input_tokens").asLong();
        long cacheWrite = usage.path("cache_creation_input_tokens").asLong();
        long cacheWrite1h = usage.path("cache_creation").path("ephemeral_1h_input_tokens").asLong();
        int toolCalls = 0;
        for (JsonNode block : root.path("content")) {
            if ("tool_use".equals(block.path("type").asText())) {
                toolCalls++;
            }
        }
        TokenUsage tokens = new TokenUsage(uncached + cacheRead + cacheWrite, usage.path("output_tokens").asLong(),
                cacheRead, cacheWrite, cacheWrite1h, 0);
        return new ProviderResponse("anthropic", text(root, "model"), text(root, "id"), tokens, text(root, "stop_reason"), toolCalls);
    }

    /** OpenAI Chat Completions API. */
    public static ProviderResponse openAiChat(String json) {
        JsonNode root = parse(json);
        JsonNode usage = root.has("usage") ? root.get("usage") : root;
        TokenUsage tokens = new TokenUsage(usage.path("prompt_tokens").asLong(), usage.path("completion_tokens").asLong(),
                usage.path("prompt_tokens_details").path("cached_tokens").asLong(), 0, 0,
                usage.path("completion_tokens_details").path("reasoning_tokens").asLong());
        JsonNode choice = root.path("choices").path(0);
        return new ProviderResponse("openai", text(root, "model"), text(root, "id"), tokens, text(choice, "finish_reason"),
                choice.path("message").path("tool_calls").size());
    }

    /** OpenAI Responses API. */
    public static ProviderResponse openAiResponses(String json) {
        JsonNode root = parse(json);
        JsonNode usage = root.has("usage") ? root.get("usage") : root;
        TokenUsage tokens = new TokenUsage(usage.path("input_tokens").asLong(), usage.path("output_tokens").asLong(),
                usage.path("input_tokens_details").path("cached_tokens").asLong(), 0, 0,
                usage.path("output_tokens_details").path("reasoning_tokens").asLong());
        int toolCalls = 0;
        for (JsonNode item : root.path("output")) {
            if ("function_call".equals(item.path("type").asText())) {
                toolCalls++;
            }
        }
        return new ProviderResponse("openai", text(root, "model"), text(root, "id"), tokens, text(root, "status"), toolCalls);
    }

    /** OpenTelemetry GenAI span attributes ({@code gen_ai.*}). */
    public static ProviderResponse openTelemetry(Map<String, ?> attributes) {
        long cacheRead = number(attributes, "gen_ai.usage.cache_read.input_tokens");
        long cacheWrite = number(attributes, "gen_ai.usage.cache_creation.input_tokens");
        TokenUsage tokens = new TokenUsage(number(attributes, "gen_ai.usage.input_tokens"), number(attributes, "gen_ai.usage.output_tokens"),
                cacheRead, cacheWrite, 0, number(attributes, "gen_ai.usage.reasoning.output_tokens"));
        Object model = attributes.containsKey("gen_ai.response.model") ? attributes.get("gen_ai.response.model") : attributes.get("gen_ai.request.model");
        Object provider = attributes.containsKey("gen_ai.provider.name") ? attributes.get("gen_ai.provider.name") : attributes.get("gen_ai.system");
        Object reasons = attributes.get("gen_ai.response.finish_reasons");
        String stop = reasons instanceof List<?> list && !list.isEmpty() ? String.valueOf(list.get(0))
                : reasons instanceof String[] array && array.length > 0 ? array[0] : reasons == null ? null : reasons.toString();
        return new ProviderResponse(provider == null ? null : provider.toString(), model == null ? null : model.toString(),
                attributes.get("gen_ai.response.id") == null ? null : attributes.get("gen_ai.response.id").toString(), tokens, stop, 0);
    }

    private static long number(Map<String, ?> attributes, String key) {
        Object value = attributes.get(key);
        if (value == null) {
            return 0;
        }
        if (value instanceof Number n) {
            return n.longValue();
        }
        try {
            return Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Attribute " + key + " is not a number: " + value);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("Not a JSON response body: " + e.getMessage(), e);
        }
    }
}
