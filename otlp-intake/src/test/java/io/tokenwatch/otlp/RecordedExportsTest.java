package io.tokenwatch.otlp;

import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.producer.Attribution;
import io.tokenwatch.producer.CallEvents;
import io.tokenwatch.producer.PriceCatalog;
import io.tokenwatch.serde.AvroBinary;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exports recorded from real instrumentations (under {@code otlp/recorded/}, with the scripts that made
 * them): OpenLLMetry's Node SDK 0.27.0 (OTLP protobuf) and OpenLIT's 1.15.0 (OTLP JSON), each
 * instrumenting the openai package 6.49.0 for one chat call to a local stand-in of the OpenAI API
 * that answered gpt-4o-2024-08-06 with 2,000 prompt tokens (1,024 of them cached) and 500 completion tokens.
 */
class RecordedExportsTest {
    private static final CallEvents EVENTS = new CallEvents(PriceCatalog.bundled(), null, Attribution.NONE, Clock.systemUTC());

    private static byte[] recorded(String name) throws Exception {
        try (InputStream in = RecordedExportsTest.class.getResourceAsStream("/otlp/recorded/" + name)) {
            return in.readAllBytes();
        }
    }

    private static LlmCall call(OtlpSpan span) {
        GenAiMapping.Mapped mapped = GenAiMapping.defaultMapping().map(span);
        assertThat(mapped).isInstanceOf(GenAiMapping.Call.class);
        GenAiMapping.Call call = (GenAiMapping.Call) mapped;
        return EVENTS.call(call.callId(), call.report());
    }

    @Test
    void openLlmetrysChatSpanBecomesTheCallAndItsWorkflowSpanIsIgnored() throws Exception {
        List<OtlpSpan> chat = OtlpDecoder.protobuf(recorded("openllmetry-js-0.27.0-openai-chat.pb"));
        assertThat(chat).hasSize(1);
        LlmCall call = call(chat.get(0));
        assertThat(call.getCallId()).isEqualTo("chatcmpl-recorded-1");
        assertThat(call.getProvider()).isEqualTo("openai");
        assertThat(call.getModel()).isEqualTo("gpt-4o-2024-08-06");
        assertThat(call.getInputTokens()).isEqualTo(2_000);
        assertThat(call.getOutputTokens()).isEqualTo(500);
        assertThat(call.getCacheReadTokens()).as("OpenLLMetry 0.27 does not report cached tokens").isZero();
        assertThat(call.getStopReason()).isEqualTo("stop");
        assertThat(call.getTask()).isEqualTo("generate-tests");
        assertThat(call.getFeature()).isEqualTo("test-writer");
        // $2.50/M x 2,000 + $10/M x 500.
        assertThat(call.getCostUsd()).isEqualByComparingTo(new BigDecimal("0.01"));
        assertThat(new String(new AvroBinary<>(LlmCall.class).encode(call), StandardCharsets.UTF_8)).doesNotContain("SECRET");

        List<OtlpSpan> workflow = OtlpDecoder.protobuf(recorded("openllmetry-js-0.27.0-workflow.pb"));
        assertThat(workflow).singleElement().satisfies(span -> assertThat(GenAiMapping.defaultMapping().map(span))
                .as("its output attribute holds the whole response, usage included, as text: not a call").isInstanceOf(GenAiMapping.NotGenAi.class));
    }

    @Test
    void openLitsJsonExportBecomesTheSameCallWithItsCachedTokens() throws Exception {
        List<OtlpSpan> spans = OtlpDecoder.json(recorded("openlit-js-1.15.0-openai-chat.json"));
        assertThat(spans).hasSize(1);
        LlmCall call = call(spans.get(0));
        assertThat(call.getCallId()).isEqualTo("chatcmpl-recorded-1");
        assertThat(call.getInputTokens()).isEqualTo(2_000);
        assertThat(call.getCacheReadTokens()).isEqualTo(1_024);
        assertThat(call.getOutputTokens()).isEqualTo(500);
        assertThat(call.getTask()).as("no workflow or agent: the service").isEqualTo("bug-triage");
        assertThat(call.getEnvironment()).isEqualTo("staging");
        // $2.50/M x 976 uncached + $1.25/M x 1,024 cached + $10/M x 500.
        assertThat(call.getCostUsd()).isEqualByComparingTo(new BigDecimal("0.00872"));
        assertThat(new String(new AvroBinary<>(LlmCall.class).encode(call), StandardCharsets.UTF_8)).doesNotContain("SECRET");
    }
}
