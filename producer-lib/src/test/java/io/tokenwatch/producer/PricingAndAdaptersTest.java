package io.tokenwatch.producer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PricingAndAdaptersTest {
    private final PriceCatalog catalog = PriceCatalog.bundled();

    private static String fixture(String name) throws IOException {
        return new String(PricingAndAdaptersTest.class.getResourceAsStream("/responses/" + name).readAllBytes());
    }

    @Test
    void datedModelIdsResolveToTheirFamilyAndUnknownModelsHaveNoPrice() {
        assertThat(catalog.find("claude-sonnet-4-5-20250929")).get().extracting(ModelPrice::model).isEqualTo("claude-sonnet-4-5");
        assertThat(catalog.find("gpt-4o-mini-2024-07-18")).get().extracting(ModelPrice::model).isEqualTo("gpt-4o-mini");
        assertThat(catalog.find("models/gemini-2.5-pro")).get().extracting(ModelPrice::provider).isEqualTo("google");
        assertThat(catalog.find("gpt-4o-mini-audio")).as("never guessed from a similar name").isEmpty();
        assertThat(catalog.find("llama-70b")).isEmpty();
        ModelPrice sonnet = catalog.find("claude-sonnet-4-5").orElseThrow();
        assertThat(sonnet.source()).startsWith("https://www.anthropic.com");
        assertThat(sonnet.date()).isEqualTo(LocalDate.parse("2025-09-30"));
    }

    @Test
    void costIsExactPerTokenKindAndCacheTier() {
        ModelPrice sonnet = catalog.find("claude-sonnet-4-5").orElseThrow();
        // 2,000 uncached x $3 + 9,000 cache reads x $0.30 + 600 5-min writes x $3.75 + 400 1-h writes x $6 + 800 output x $15, per million.
        TokenUsage usage = new TokenUsage(12_000, 800, 9_000, 1_000, 400, 0);
        assertThat(PriceCatalog.cost(usage, sonnet)).isEqualByComparingTo("0.02535").hasScaleOf(9);
        // Above 200k input tokens the whole request is billed at the long-context tier: 250k x $6 + 1k x $22.50.
        assertThat(PriceCatalog.cost(TokenUsage.of(250_000, 1_000), sonnet)).isEqualByComparingTo("1.5225");
        assertThat(sonnet.isLongContext(200_000)).isFalse();
        // A million tiny gpt-5-nano calls sum to exactly a million times one: no float drift.
        BigDecimal one = PriceCatalog.cost(TokenUsage.of(7, 3), catalog.find("gpt-5-nano").orElseThrow());
        assertThat(one).isEqualByComparingTo("0.00000155");
        BigDecimal sum = BigDecimal.ZERO;
        for (int i = 0; i < 1_000_000; i++) {
            sum = sum.add(one);
        }
        assertThat(sum).isEqualByComparingTo("1.55");
    }

    @Test
    void aCatalogFileOverridesTheBundledOne() throws IOException {
        Path file = Files.createTempFile("prices", ".json");
        Files.writeString(file, """
                {"catalog": "acme-negotiated", "models": [{"model": "claude-sonnet-4-5", "provider": "anthropic", "input": "2.5",
                 "output": "12", "cache_read": "0.25", "cache_write_5m": "3", "cache_write_1h": "5", "source": "acme contract", "date": "2026-10-01"}]}
                """);
        PriceCatalog custom = PriceCatalog.fromFile(file);
        assertThat(PriceCatalog.cost(TokenUsage.of(1_000_000, 0), custom.find("claude-sonnet-4-5-20250929").orElseThrow())).isEqualByComparingTo("2.5");
        assertThat(custom.find("gpt-5")).isEmpty();
    }

    @Test
    void anthropicUsageAddsCacheReadsAndWritesBackIntoInputTokens() throws IOException {
        ProviderResponse r = UsageAdapters.anthropic(fixture("anthropic-messages.json"));
        assertThat(r.usage()).isEqualTo(new TokenUsage(2_095 + 1_536 + 40_960, 503, 40_960, 1_536, 1_024, 0));
        assertThat(r.model()).isEqualTo("claude-sonnet-4-5-20250929");
        assertThat(r.requestId()).isEqualTo("msg_01XFDUDYJgAACzvnptvVoYEL");
        assertThat(r.stopReason()).isEqualTo("tool_use");
        assertThat(r.toolCalls()).isEqualTo(2);
        // The usage object alone works too.
        assertThat(UsageAdapters.anthropic("{\"input_tokens\": 10, \"output_tokens\": 5}").usage()).isEqualTo(TokenUsage.of(10, 5));
    }

    @Test
    void openAiChatAndResponsesAlreadyCountCachedTokensInInput() throws IOException {
        ProviderResponse chat = UsageAdapters.openAiChat(fixture("openai-chat.json"));
        assertThat(chat.usage()).isEqualTo(new TokenUsage(1_117, 46, 1_024, 0, 0, 0));
        assertThat(chat.toolCalls()).isEqualTo(1);
        assertThat(chat.stopReason()).isEqualTo("tool_calls");
        ProviderResponse responses = UsageAdapters.openAiResponses(fixture("openai-responses.json"));
        assertThat(responses.usage()).isEqualTo(new TokenUsage(5_200, 1_180, 4_096, 0, 0, 1_024));
        assertThat(responses.model()).isEqualTo("o4-mini-2025-04-16");
        assertThat(responses.toolCalls()).isEqualTo(1);
        assertThat(catalog.find(responses.model())).get().extracting(ModelPrice::model).isEqualTo("o4-mini");
    }

    @Test
    void openTelemetryGenAiAttributes() {
        ProviderResponse r = UsageAdapters.openTelemetry(Map.of(
                "gen_ai.provider.name", "anthropic", "gen_ai.request.model", "claude-haiku-4-5",
                "gen_ai.usage.input_tokens", 3_000L, "gen_ai.usage.output_tokens", 200,
                "gen_ai.usage.cache_read.input_tokens", "2000", "gen_ai.usage.cache_creation.input_tokens", 500,
                "gen_ai.response.finish_reasons", List.of("stop"), "gen_ai.response.id", "msg_9"));
        assertThat(r.usage()).isEqualTo(new TokenUsage(3_000, 200, 2_000, 500, 0, 0));
        assertThat(r.provider()).isEqualTo("anthropic");
        assertThat(r.model()).isEqualTo("claude-haiku-4-5");
        assertThat(r.stopReason()).isEqualTo("stop");
    }
}
