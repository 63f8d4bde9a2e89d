package io.tokenwatch.otlp;

import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.Outcome;
import io.tokenwatch.producer.Attribution;
import io.tokenwatch.producer.CallEvents;
import io.tokenwatch.producer.PriceCatalog;
import io.tokenwatch.serde.AvroBinary;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spans written by hand to the attribute names instrumentations use (fixtures under {@code otlp/}: the
 * current GenAI conventions with an Anthropic agent and evaluations, and the older names some
 * instrumentations still send), mapped and priced as producer-lib would. Real recordings are in
 * {@link RecordedExportsTest}.
 */
class GenAiMappingTest {
    private static final CallEvents EVENTS = new CallEvents(PriceCatalog.bundled(), null, Attribution.NONE, Clock.systemUTC());

    static List<OtlpSpan> fixture(String name) throws Exception {
        try (InputStream in = GenAiMappingTest.class.getResourceAsStream("/otlp/" + name)) {
            return OtlpDecoder.json(in.readAllBytes());
        }
    }

    private static GenAiMapping.Call call(GenAiMapping.Mapped mapped) {
        assertThat(mapped).isInstanceOf(GenAiMapping.Call.class);
        return (GenAiMapping.Call) mapped;
    }

    @Test
    void aSpanOfTheCurrentConventionsBecomesAPricedCallWithItsAttributionAndItsEvaluationAsAnOutcome() throws Exception {
        List<OtlpSpan> spans = fixture("semconv-anthropic-agent.json");
        assertThat(spans).hasSize(2);
        GenAiMapping.Call mapped = call(GenAiMapping.defaultMapping().map(spans.get(0)));
        LlmCall call = EVENTS.call(mapped.callId(), mapped.report());

        assertThat(call.getCallId()).isEqualTo("msg_01XFDUDYJgAACzvnptvVoYEL");
        assertThat(call.getRequestId()).isEqualTo("msg_01XFDUDYJgAACzvnptvVoYEL");
        assertThat(call.getProvider()).isEqualTo("anthropic");
        assertThat(call.getModel()).isEqualTo("claude-sonnet-4-5-20250929");
        // Anthropic's input_tokens leave the cache out (8,800 cached > 1,200): Tokenwatch counts all 10,000 as input.
        assertThat(call.getInputTokens()).isEqualTo(10_000);
        assertThat(call.getCacheReadTokens()).isEqualTo(8_000);
        assertThat(call.getCacheWriteTokens()).isEqualTo(800);
        assertThat(call.getOutputTokens()).isEqualTo(350);
        // $3/M for 1,200 uncached, $0.30/M for 8,000 reads, $3.75/M for 800 writes, $15/M for 350 out = $0.036 + $0.0024 + $0.003 + $0.00525.
        assertThat(call.getCostUsd()).isEqualByComparingTo(new BigDecimal("0.01425"));
        assertThat(call.getTimestamp()).isEqualTo(Instant.parse("2025-11-26T09:40:00Z"));
        assertThat(call.getLatencyMs()).isEqualTo(2_350);
        assertThat(call.getStopReason()).isEqualTo("end_turn");
        assertThat(call.getSessionId()).isEqualTo("conv-42");
        assertThat(call.getTask()).isEqualTo("code-review");
        assertThat(call.getFeature()).isEqualTo("review-bot");
        assertThat(call.getAgent()).isEqualTo("reviewer");
        assertThat(call.getPromptVersion()).isEqualTo("review-v7");
        assertThat(call.getEnvironment()).isEqualTo("prod");
        assertThat(call.getTeam()).isEqualTo("platform");
        // One evaluation has a label that maps to an outcome ("pass"); the score-only one does not.
        assertThat(mapped.decisions()).containsExactly(new GenAiMapping.Decision(Outcome.ACCEPTED, "otel:ci-tests", Instant.parse("2025-11-26T09:41:00Z")));
        // The HTTP span beside it is not a model call.
        assertThat(GenAiMapping.defaultMapping().map(spans.get(1))).isInstanceOf(GenAiMapping.NotGenAi.class);
    }

    @Test
    void olderAttributeNamesAreReadAndContentNeverReachesTheEvent() throws Exception {
        GenAiMapping.Call openllmetry = call(GenAiMapping.defaultMapping().map(fixture("older-names-openllmetry.json").get(0)));
        LlmCall call = EVENTS.call(openllmetry.callId(), openllmetry.report());
        assertThat(call.getCallId()).isEqualTo("otel-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331");
        assertThat(call.getInputTokens()).isEqualTo(2_000); // OpenAI's prompt tokens include the 1,024 cached ones
        assertThat(call.getCacheReadTokens()).isEqualTo(1_024);
        assertThat(call.getOutputTokens()).isEqualTo(500);
        assertThat(call.getTask()).as("OpenLLMetry's workflow").isEqualTo("generate-tests");
        assertThat(new String(new AvroBinary<>(LlmCall.class).encode(call), StandardCharsets.UTF_8)).doesNotContain("SECRET");

        GenAiMapping.Call openlit = call(GenAiMapping.defaultMapping().map(fixture("older-names-openlit.json").get(0)));
        LlmCall gpt5 = EVENTS.call(openlit.callId(), openlit.report());
        assertThat(gpt5.getReasoningTokens()).isEqualTo(800);
        assertThat(gpt5.getEnvironment()).isEqualTo("staging");
        assertThat(gpt5.getProvider()).isEqualTo("openai");
        // $1.25/M in x 3,000 + $10/M out x 1,200: the catalog's price, not the instrumentation's own figure.
        assertThat(gpt5.getCostUsd()).isEqualByComparingTo(new BigDecimal("0.01575"));
        assertThat(new String(new AvroBinary<>(LlmCall.class).encode(gpt5), StandardCharsets.UTF_8)).doesNotContain("SECRET");
    }

    @Test
    void tokenwatchAttributesWinAndTheListsAreConfigurable() throws Exception {
        OtlpSpan span = fixture("semconv-anthropic-agent.json").get(0);
        Map<String, Object> attributes = new java.util.LinkedHashMap<>(span.attributes());
        attributes.put("tokenwatch.task", "pr-review");
        attributes.put("tokenwatch.cost_center", "cc-17");
        attributes.put("app.route", "/review");
        OtlpSpan tagged = new OtlpSpan(span.resource(), attributes, span.name(), span.traceId(), span.spanId(), span.startNanos(), span.endNanos(), span.events());
        LlmCall call = EVENTS.call("x", call(GenAiMapping.defaultMapping().map(tagged)).report());
        assertThat(call.getTask()).isEqualTo("pr-review");
        assertThat(call.getTags()).containsEntry("cost_center", "cc-17").doesNotContainKey("team");

        GenAiMapping byRoute = GenAiMapping.of(Map.of(GenAiMapping.Field.FEATURE, List.of("app.route")));
        assertThat(EVENTS.call("y", call(byRoute.map(tagged)).report()).getFeature()).isEqualTo("/review");
    }

    @Test
    void usageWithoutAModelIsRejectedNamingTheSpan() throws Exception {
        OtlpSpan span = fixture("older-names-openlit.json").get(0);
        Map<String, Object> attributes = new java.util.LinkedHashMap<>(span.attributes());
        attributes.remove("gen_ai.request.model");
        GenAiMapping.Mapped mapped = GenAiMapping.defaultMapping().map(new OtlpSpan(span.resource(), attributes, span.name(), span.traceId(),
                span.spanId(), span.startNanos(), span.endNanos(), List.of()));
        assertThat(mapped).isEqualTo(new GenAiMapping.Rejected("span c1d2e3f405060708 has token usage but no gen_ai.request.model or gen_ai.response.model"));
    }

    @Test
    void malformedExportsAreRefusedWithTheReason() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> OtlpDecoder.json("{\"resourceSpans\": 3}".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("expected an object with a resourceSpans array");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> OtlpDecoder.json("not json".getBytes(StandardCharsets.UTF_8)))
                .hasMessageStartingWith("not JSON");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> OtlpDecoder.protobuf(new byte[] {0x0a, (byte) 0xff, 0x01}))
                .hasMessageStartingWith("not an OTLP protobuf trace export");
    }

}
