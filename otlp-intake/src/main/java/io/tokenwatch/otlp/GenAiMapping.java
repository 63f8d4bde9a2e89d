package io.tokenwatch.otlp;

import io.tokenwatch.events.v1.Outcome;
import io.tokenwatch.producer.AgentSession;
import io.tokenwatch.producer.Attribution;
import io.tokenwatch.producer.CallReport;
import io.tokenwatch.producer.TokenUsage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a span of the OpenTelemetry GenAI semantic conventions says about a model call, as a Tokenwatch
 * call report (and outcomes, from {@code gen_ai.evaluation.result} events). Only counts and metadata
 * are read: prompt and completion content, wherever a span carries it, is never looked at.
 *
 * <p>Attribution comes from span attributes, else resource attributes, by a configurable list per
 * field; a {@code tokenwatch.<field>} attribute always wins, and other {@code tokenwatch.*} ones become tags.
 */
public final class GenAiMapping {
    /** The call's attribution fields, and the setting names of their attribute lists ({@code tokenwatch.otlp.map.<name>}). */
    public enum Field {
        TASK("task"), FEATURE("feature"), TEAM("team"), OWNER("owner"), AGENT("agent"), PROMPT_VERSION("prompt_version"), ENVIRONMENT("environment");

        public final String setting;

        Field(String setting) {
            this.setting = setting;
        }
    }

    /** The attributes each field is read from, in order, after {@code tokenwatch.<field>}. */
    public static final Map<Field, List<String>> DEFAULTS = defaults();

    private static Map<Field, List<String>> defaults() {
        Map<Field, List<String>> d = new EnumMap<>(Field.class);
        // traceloop.workflow.name: OpenLLMetry's workflow (withWorkflow / @workflow), which it does not copy to gen_ai.workflow.name.
        d.put(Field.TASK, List.of("gen_ai.workflow.name", "traceloop.workflow.name", "gen_ai.agent.name", "service.name"));
        d.put(Field.FEATURE, List.of("service.name"));
        d.put(Field.TEAM, List.of());
        d.put(Field.OWNER, List.of());
        d.put(Field.AGENT, List.of("gen_ai.agent.name"));
        d.put(Field.PROMPT_VERSION, List.of("gen_ai.prompt.name"));
        d.put(Field.ENVIRONMENT, List.of("deployment.environment.name", "deployment.environment"));
        return d;
    }

    // Token counts: the current semantic conventions first, then the older names still emitted in the wild.
    private static final List<String> INPUT = List.of("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.usage.prompt_tokens");
    private static final List<String> OUTPUT = List.of("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.usage.completion_tokens");
    private static final List<String> CACHE_READ = List.of("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens");
    private static final List<String> CACHE_WRITE = List.of("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens");
    private static final List<String> REASONING = List.of("gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens");
    private static final List<String> MODEL = List.of("gen_ai.response.model", "gen_ai.request.model");
    private static final List<String> PROVIDER = List.of("gen_ai.provider.name", "gen_ai.system");
    private static final String EVALUATION_EVENT = "gen_ai.evaluation.result";

    private final Map<Field, List<String>> sources;

    private GenAiMapping(Map<Field, List<String>> sources) {
        this.sources = sources;
    }

    public static GenAiMapping defaultMapping() {
        return new GenAiMapping(DEFAULTS);
    }

    /** The defaults with some fields' lists replaced, e.g. {@code task -> "app.route,service.name"}. */
    public static GenAiMapping of(Map<Field, List<String>> overrides) {
        Map<Field, List<String>> sources = new EnumMap<>(DEFAULTS);
        sources.putAll(overrides);
        return new GenAiMapping(sources);
    }

    /** What a span became. */
    public sealed interface Mapped permits Call, NotGenAi, Rejected {
    }

    /** A model call, and the outcomes its evaluations decided. */
    public record Call(String callId, CallReport report, List<Decision> decisions) implements Mapped {
    }

    /** An outcome of the call, from an evaluation. */
    public record Decision(Outcome outcome, String decidedBy, Instant decidedAt) {
    }

    /** Not a model call (no token usage): ignored and counted. */
    public record NotGenAi() implements Mapped {
    }

    /** A model call that cannot be recorded, and why. */
    public record Rejected(String reason) implements Mapped {
    }

    public Mapped map(OtlpSpan span) {
        Long input = number(span, INPUT);
        Long output = number(span, OUTPUT);
        if (input == null && output == null) {
            return new NotGenAi();
        }
        String model = text(span, MODEL);
        if (model == null) {
            return new Rejected("span " + span.spanId() + " has token usage but no gen_ai.request.model or gen_ai.response.model");
        }
        long cacheRead = orZero(number(span, CACHE_READ));
        long cacheWrite = orZero(number(span, CACHE_WRITE));
        long in = orZero(input);
        // Tokenwatch's input tokens include cached ones (as the conventions ask). Some instrumentations copy a provider's
        // figure that excludes them (Anthropic's API does): when the cached tokens alone exceed the input, they were left out.
        if (cacheRead + cacheWrite > in) {
            in += cacheRead + cacheWrite;
        }
        TokenUsage usage = new TokenUsage(in, orZero(output), cacheRead, cacheWrite, 0, orZero(number(span, REASONING)));
        String responseId = text(span, List.of("gen_ai.response.id"));
        String callId = responseId != null ? responseId : "otel-" + span.traceId() + "-" + span.spanId();
        long latencyMs = Math.max(0, (span.endNanos() - span.startNanos()) / 1_000_000);
        CallReport report = CallReport.of(field(span, Field.TASK), model, usage)
                .callId(callId).provider(text(span, PROVIDER)).timestamp(instant(span.startNanos())).requestId(responseId)
                .latencyMs(latencyMs).stopReason(finishReason(span)).attribution(attribution(span));
        String conversation = text(span, List.of("gen_ai.conversation.id"));
        if (conversation != null) {
            report.session(new AgentSession(conversation));
        }
        return new Call(callId, report, decisions(span));
    }

    private Attribution attribution(OtlpSpan span) {
        Map<String, String> tags = new TreeMap<>();
        for (Map<String, Object> attributes : List.of(span.resource(), span.attributes())) {
            attributes.forEach((key, value) -> {
                if (key.startsWith("tokenwatch.") && Arrays.stream(Field.values()).noneMatch(f -> key.equals("tokenwatch." + f.setting))) {
                    tags.put(key.substring("tokenwatch.".length()), String.valueOf(value));
                }
            });
        }
        return new Attribution(field(span, Field.FEATURE), field(span, Field.TEAM), field(span, Field.OWNER), field(span, Field.AGENT),
                field(span, Field.PROMPT_VERSION), field(span, Field.ENVIRONMENT), tags);
    }

    private String field(OtlpSpan span, Field field) {
        List<String> keys = new ArrayList<>();
        keys.add("tokenwatch." + field.setting);
        keys.addAll(sources.get(field));
        return text(span, keys);
    }

    /** Evaluations whose label maps to an outcome: pass / fail and the outcome names themselves. */
    private static List<Decision> decisions(OtlpSpan span) {
        List<Decision> decisions = new ArrayList<>();
        for (OtlpSpan.Event event : span.events()) {
            if (event.name().equals(EVALUATION_EVENT)) {
                Outcome outcome = outcome(event.attributes().get("gen_ai.evaluation.score.label"));
                if (outcome != null) {
                    Object name = event.attributes().get("gen_ai.evaluation.name");
                    decisions.add(new Decision(outcome, "otel:" + (name == null ? "evaluation" : name),
                            instant(event.timeNanos() > 0 ? event.timeNanos() : span.endNanos())));
                }
            }
        }
        return decisions;
    }

    static Outcome outcome(Object label) {
        if (label == null) {
            return null;
        }
        return switch (String.valueOf(label).trim().toLowerCase(Locale.ROOT)) {
            case "accepted", "accept", "pass", "passed", "correct", "true" -> Outcome.ACCEPTED;
            case "rejected", "reject", "fail", "failed", "incorrect", "false" -> Outcome.REJECTED;
            case "edited" -> Outcome.EDITED;
            case "escalated" -> Outcome.ESCALATED;
            default -> null;
        };
    }

    private static String finishReason(OtlpSpan span) {
        Object reasons = span.attribute("gen_ai.response.finish_reasons");
        if (reasons instanceof List<?> list) {
            return list.isEmpty() ? null : String.valueOf(list.get(0));
        }
        return reasons == null ? null : String.valueOf(reasons);
    }

    private static String text(OtlpSpan span, List<String> keys) {
        for (String key : keys) {
            Object value = span.attribute(key);
            if (value != null && !String.valueOf(value).isBlank()) {
                return String.valueOf(value);
            }
        }
        return null;
    }

    /** A count from the first of {@code keys} present: an integer, or a whole number sent as a double or a string. */
    private static Long number(OtlpSpan span, List<String> keys) {
        for (String key : keys) {
            Object value = span.attribute(key);
            if (value instanceof Long l) {
                return l;
            }
            if (value instanceof Double d && d == Math.rint(d)) {
                return d.longValue();
            }
            if (value instanceof String s && s.matches("-?\\d+")) {
                return Long.parseLong(s);
            }
        }
        return null;
    }

    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }

    private static Instant instant(long epochNanos) {
        return Instant.ofEpochSecond(0, epochNanos);
    }
}
