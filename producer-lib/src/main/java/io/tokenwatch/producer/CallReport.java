package io.tokenwatch.producer;

import java.time.Instant;

/**
 * One LLM call to report. Required: task (unless the client has a default), model, usage. Everything
 * else has a sensible default: a fresh call id, now as the timestamp, the client's attribution.
 */
public final class CallReport {
    String callId;
    String task;
    String provider;
    String model;
    TokenUsage usage;
    Instant timestamp;
    String requestId;
    long latencyMs;
    int retryCount;
    int toolCalls;
    String stopReason;
    Long contextWindowUsed;
    AgentSession session;
    Attribution overrides = Attribution.NONE;

    private CallReport() {
    }

    public static CallReport of(String task, String model, TokenUsage usage) {
        CallReport report = new CallReport();
        report.task = task;
        report.model = model;
        report.usage = usage;
        return report;
    }

    /** A report from what an adapter read off a provider response. */
    public static CallReport of(String task, ProviderResponse response) {
        CallReport report = of(task, response.model(), response.usage());
        report.provider = response.provider();
        report.requestId = response.requestId();
        report.stopReason = response.stopReason();
        report.toolCalls = response.toolCalls();
        return report;
    }

    public CallReport callId(String value) { callId = value; return this; }
    public CallReport provider(String value) { provider = value; return this; }
    public CallReport timestamp(Instant value) { timestamp = value; return this; }
    public CallReport requestId(String value) { requestId = value; return this; }
    public CallReport latencyMs(long value) { latencyMs = value; return this; }
    public CallReport retryCount(int value) { retryCount = value; return this; }
    public CallReport toolCalls(int value) { toolCalls = value; return this; }
    public CallReport stopReason(String value) { stopReason = value; return this; }
    public CallReport contextWindowUsed(long value) { contextWindowUsed = value; return this; }
    public CallReport session(AgentSession value) { session = value; return this; }
    /** Per-call attribution: non-null fields override the client's defaults, tags are merged. */
    public CallReport attribution(Attribution value) { overrides = value; return this; }

    /** Latency and retries from a timer that wrapped the call. */
    public CallReport timedBy(CallTimer timer) {
        latencyMs = timer.elapsedMs();
        retryCount = timer.retries();
        return this;
    }
}
