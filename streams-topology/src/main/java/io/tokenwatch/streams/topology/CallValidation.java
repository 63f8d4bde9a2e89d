package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.CallOutcome;
import io.tokenwatch.events.v1.LlmCall;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/** Values no real call or outcome can have. A record with any of them goes to the dead-letter topic. */
public final class CallValidation {
    private CallValidation() {
    }

    public static List<String> problems(String key, LlmCall call) {
        List<String> problems = new ArrayList<>();
        if (call.getCallId() == null || call.getCallId().isBlank()) {
            problems.add("call_id is empty");
        } else if (key != null && !key.equals(call.getCallId())) {
            problems.add("record key '" + key + "' is not the call_id '" + call.getCallId() + "' (outcomes would never join)");
        }
        if (call.getTask() == null || call.getTask().isBlank()) {
            problems.add("task is empty");
        }
        if (call.getModel() == null || call.getModel().isBlank()) {
            problems.add("model is empty");
        }
        if (call.getTimestamp() == null || call.getTimestamp().toEpochMilli() <= 0) {
            problems.add("timestamp is not set");
        }
        nonNegative(problems, "input_tokens", call.getInputTokens());
        nonNegative(problems, "output_tokens", call.getOutputTokens());
        nonNegative(problems, "cache_read_tokens", call.getCacheReadTokens());
        nonNegative(problems, "cache_write_tokens", call.getCacheWriteTokens());
        nonNegative(problems, "cache_write_1h_tokens", call.getCacheWrite1hTokens());
        nonNegative(problems, "reasoning_tokens", call.getReasoningTokens());
        nonNegative(problems, "latency_ms", call.getLatencyMs());
        nonNegative(problems, "retry_count", call.getRetryCount());
        nonNegative(problems, "tool_calls", call.getToolCalls());
        if (call.getCacheReadTokens() + call.getCacheWriteTokens() > call.getInputTokens()) {
            problems.add("cache_read_tokens + cache_write_tokens (" + (call.getCacheReadTokens() + call.getCacheWriteTokens())
                    + ") exceed input_tokens (" + call.getInputTokens() + ")");
        }
        if (call.getCacheWrite1hTokens() > call.getCacheWriteTokens()) {
            problems.add("cache_write_1h_tokens exceed cache_write_tokens");
        }
        if (call.getReasoningTokens() > call.getOutputTokens()) {
            problems.add("reasoning_tokens (" + call.getReasoningTokens() + ") exceed output_tokens (" + call.getOutputTokens() + ")");
        }
        BigDecimal cost = call.getCostUsd();
        if (cost != null && cost.signum() < 0) {
            problems.add("cost_usd is negative");
        }
        return problems;
    }

    public static List<String> problems(String key, CallOutcome outcome) {
        List<String> problems = new ArrayList<>();
        if (outcome.getCallId() == null || outcome.getCallId().isBlank()) {
            problems.add("call_id is empty");
        } else if (key != null && !key.equals(outcome.getCallId())) {
            problems.add("record key '" + key + "' is not the call_id '" + outcome.getCallId() + "'");
        }
        return problems;
    }

    private static void nonNegative(List<String> problems, String field, long value) {
        if (value < 0) {
            problems.add(field + " is negative (" + value + ")");
        }
    }
}
