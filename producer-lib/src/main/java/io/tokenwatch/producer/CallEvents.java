package io.tokenwatch.producer;

import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.UnitPrices;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Builds call events from reports: validation, the client's defaults, and the price in force. One place for every intake. */
public final class CallEvents {
    private final PriceCatalog catalog;
    private final String defaultTask;
    private final Attribution defaults;
    private final Clock clock;

    public CallEvents(PriceCatalog catalog, String defaultTask, Attribution defaults, Clock clock) {
        this.catalog = catalog;
        this.defaultTask = defaultTask;
        this.defaults = defaults;
        this.clock = clock;
    }

    /**
     * The call event of {@code report}, validated and priced: what {@link TokenwatchClient#recordCall} sends,
     * for intakes that write events themselves (e.g. within a Kafka Streams transaction).
     *
     * @throws InvalidEventException on impossible values, naming each
     */
    public LlmCall call(String callId, CallReport r) {
        String task = r.task != null ? r.task : defaultTask;
        List<String> problems = new ArrayList<>();
        if (callId.isBlank()) {
            problems.add("call id is empty");
        }
        if (task == null || task.isBlank()) {
            problems.add("task is missing (set it on the report or as the client's default)");
        }
        if (r.model == null || r.model.isBlank()) {
            problems.add("model is missing");
        }
        if (r.usage == null) {
            problems.add("usage is missing");
        } else {
            TokenUsage u = r.usage;
            if (u.inputTokens() < 0 || u.outputTokens() < 0 || u.cacheReadTokens() < 0 || u.cacheWriteTokens() < 0
                    || u.cacheWrite1hTokens() < 0 || u.reasoningTokens() < 0) {
                problems.add("token counts must not be negative: " + u);
            }
            if (u.cacheReadTokens() + u.cacheWriteTokens() > u.inputTokens()) {
                problems.add("cache reads + writes exceed input tokens (input tokens must include cached ones): " + u);
            }
            if (u.reasoningTokens() > u.outputTokens()) {
                problems.add("reasoning tokens exceed output tokens (output tokens must include reasoning): " + u);
            }
            if (u.cacheWrite1hTokens() > u.cacheWriteTokens()) {
                problems.add("1-hour cache writes exceed cache writes: " + u);
            }
        }
        if (r.latencyMs < 0 || r.retryCount < 0 || r.toolCalls < 0) {
            problems.add("latency, retries and tool calls must not be negative");
        }
        if (!problems.isEmpty()) {
            throw new InvalidEventException("Invalid LLM call " + callId + ": " + String.join("; ", problems));
        }
        Attribution a = defaults.overriddenBy(r.overrides);
        Optional<ModelPrice> price = catalog.find(r.model);
        // Setters on a new record, not LlmCall.newBuilder(): the builder validates and deep-copies a
        // default for every field on each call, which was the largest cost on the caller's thread.
        LlmCall call = new LlmCall();
        call.setCallId(callId);
        call.setTimestamp(r.timestamp != null ? r.timestamp : clock.instant());
        call.setSessionId(r.session == null ? null : r.session.id());
        call.setCallSeq(r.session == null ? 0 : r.session.nextSeq());
        call.setRequestId(r.requestId);
        call.setProvider(r.provider != null ? r.provider : price.map(ModelPrice::provider).orElse("unknown"));
        call.setModel(r.model);
        call.setTask(task);
        call.setFeature(a.feature());
        call.setTeam(a.team());
        call.setOwner(a.owner());
        call.setAgent(a.agent());
        call.setPromptVersion(a.promptVersion());
        call.setEnvironment(a.environment());
        call.setTags(a.tags());
        call.setInputTokens(r.usage.inputTokens());
        call.setOutputTokens(r.usage.outputTokens());
        call.setCacheReadTokens(r.usage.cacheReadTokens());
        call.setCacheWriteTokens(r.usage.cacheWriteTokens());
        call.setCacheWrite1hTokens(r.usage.cacheWrite1hTokens());
        call.setReasoningTokens(r.usage.reasoningTokens());
        call.setLatencyMs(r.latencyMs);
        call.setRetryCount(r.retryCount);
        call.setToolCalls(r.toolCalls);
        call.setStopReason(r.stopReason);
        call.setContextWindowUsed(r.contextWindowUsed);
        if (price.isPresent()) {
            ModelPrice p = price.get();
            ModelPrice.Rates rates = p.ratesFor(r.usage.inputTokens());
            UnitPrices unitPrices = new UnitPrices();
            unitPrices.setInputPerMtok(rates.input());
            unitPrices.setOutputPerMtok(rates.output());
            unitPrices.setCacheReadPerMtok(rates.cacheRead());
            unitPrices.setCacheWrite5mPerMtok(rates.cacheWrite5m());
            unitPrices.setCacheWrite1hPerMtok(rates.cacheWrite1h());
            unitPrices.setLongContext(p.isLongContext(r.usage.inputTokens()));
            call.setPriced(true);
            call.setCostUsd(PriceCatalog.cost(r.usage, p));
            call.setPriceSource(p.source());
            call.setPriceDate(p.date());
            call.setUnitPrices(unitPrices);
        } else {
            call.setPriced(false);
        }
        return call;
    }
}
