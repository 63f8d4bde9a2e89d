package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.CallOutcome;
import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.schemas.CallBounds;
import io.tokenwatch.streams.errors.DeadLetterReason;
import io.tokenwatch.streams.errors.RejectedRecordException;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/** Values no real call or outcome can have. A record with any of them goes to the dead-letter topic. */
public final class CallValidation {
    private CallValidation() {
    }

    /**
     * Refuses a call no real one can be: a count above its bound ({@link DeadLetterReason#TOO_LARGE}), a
     * label longer than its bound ({@link DeadLetterReason#LABEL_TOO_LONG}), or impossible values
     * ({@link DeadLetterReason#INVALID}), in that order, each with every problem of its kind listed.
     */
    public static void check(String key, LlmCall call, CallBounds bounds) {
        List<String> tooLarge = new ArrayList<>();
        larger(tooLarge, "input_tokens", call.getInputTokens(), bounds);
        larger(tooLarge, "output_tokens", call.getOutputTokens(), bounds);
        larger(tooLarge, "cache_read_tokens", call.getCacheReadTokens(), bounds);
        larger(tooLarge, "cache_write_tokens", call.getCacheWriteTokens(), bounds);
        larger(tooLarge, "cache_write_1h_tokens", call.getCacheWrite1hTokens(), bounds);
        larger(tooLarge, "reasoning_tokens", call.getReasoningTokens(), bounds);
        if (call.getContextWindowUsed() != null) {
            larger(tooLarge, "context_window_used", call.getContextWindowUsed(), bounds);
        }
        if (call.getCostUsd() != null && call.getCostUsd().compareTo(CallBounds.MAX_COST_USD) > 0) {
            tooLarge.add("cost_usd " + call.getCostUsd().toPlainString() + " over " + CallBounds.MAX_COST_USD);
        }
        reject(DeadLetterReason.TOO_LARGE, "Counts beyond any real call in " + shown(call.getCallId(), bounds), tooLarge);
        List<String> tooLong = new ArrayList<>();
        longer(tooLong, "call_id", call.getCallId(), bounds);
        longer(tooLong, "session_id", call.getSessionId(), bounds);
        longer(tooLong, "request_id", call.getRequestId(), bounds);
        longer(tooLong, "provider", call.getProvider(), bounds);
        longer(tooLong, "model", call.getModel(), bounds);
        longer(tooLong, "task", call.getTask(), bounds);
        longer(tooLong, "feature", call.getFeature(), bounds);
        longer(tooLong, "team", call.getTeam(), bounds);
        longer(tooLong, "owner", call.getOwner(), bounds);
        longer(tooLong, "agent", call.getAgent(), bounds);
        longer(tooLong, "prompt_version", call.getPromptVersion(), bounds);
        longer(tooLong, "environment", call.getEnvironment(), bounds);
        longer(tooLong, "stop_reason", call.getStopReason(), bounds);
        longer(tooLong, "price_source", call.getPriceSource(), bounds);
        if (call.getTags() != null) {
            if (call.getTags().size() > bounds.maxLabelLength()) {
                tooLong.add("tags has " + call.getTags().size() + " entries, over " + bounds.maxLabelLength());
            }
            call.getTags().forEach((tag, value) -> {
                longer(tooLong, "tag name", tag, bounds);
                longer(tooLong, "tag " + shorten(tag, bounds), value, bounds);
            });
        }
        reject(DeadLetterReason.LABEL_TOO_LONG, "Labels too long in " + shown(call.getCallId(), bounds), tooLong);
        reject(DeadLetterReason.INVALID, "Impossible values in call " + call.getCallId(), problems(key, call));
    }

    /** Refuses an outcome with an id or label longer than its bound, or impossible values. */
    public static void check(String key, CallOutcome outcome, CallBounds bounds) {
        List<String> tooLong = new ArrayList<>();
        longer(tooLong, "call_id", outcome.getCallId(), bounds);
        longer(tooLong, "decided_by", outcome.getDecidedBy(), bounds);
        longer(tooLong, "artifact", outcome.getArtifact(), bounds);
        reject(DeadLetterReason.LABEL_TOO_LONG, "Labels too long in an outcome", tooLong);
        reject(DeadLetterReason.INVALID, "Impossible values in outcome", problems(key, outcome));
    }

    private static void larger(List<String> problems, String field, long count, CallBounds bounds) {
        if (count > bounds.maxTokens()) {
            problems.add(field + " " + count + " over " + bounds.maxTokens() + " (tokenwatch.max.tokens.per.call)");
        }
    }

    private static void longer(List<String> problems, String field, CharSequence value, CallBounds bounds) {
        if (value != null && value.length() > bounds.maxLabelLength()) {
            problems.add(field + " is " + value.length() + " characters, over " + bounds.maxLabelLength() + " (tokenwatch.max.label.length)");
        }
    }

    /** A label as it may appear in a message: cut to its bound. */
    private static String shorten(CharSequence value, CallBounds bounds) {
        String s = String.valueOf(value);
        return s.length() <= bounds.maxLabelLength() ? s : s.substring(0, bounds.maxLabelLength()) + "…";
    }

    private static String shown(String callId, CallBounds bounds) {
        return "call " + shorten(callId, bounds);
    }

    private static void reject(DeadLetterReason reason, String what, List<String> problems) {
        if (!problems.isEmpty()) {
            throw new RejectedRecordException(reason, what + ": " + String.join("; ", problems));
        }
    }

    static List<String> problems(String key, LlmCall call) {
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
        // Each count is bounded (check) far below Long.MAX_VALUE, so this sum cannot overflow.
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

    static List<String> problems(String key, CallOutcome outcome) {
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
