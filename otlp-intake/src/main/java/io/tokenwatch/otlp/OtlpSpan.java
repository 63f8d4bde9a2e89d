package io.tokenwatch.otlp;

import java.util.List;
import java.util.Map;

/**
 * One span as the intake needs it, whichever encoding it came in: its resource's and its own
 * attributes (strings, longs, doubles, booleans, lists of those), times in epoch nanoseconds, ids in
 * lower-case hex, and its events. Message bodies are never kept.
 */
public record OtlpSpan(Map<String, Object> resource, Map<String, Object> attributes, String name, String traceId, String spanId,
                       long startNanos, long endNanos, List<Event> events) {

    /** A span event, e.g. {@code gen_ai.evaluation.result}. */
    public record Event(String name, long timeNanos, Map<String, Object> attributes) {
    }

    /** The span's value of {@code key}, else its resource's. */
    public Object attribute(String key) {
        Object own = attributes.get(key);
        return own != null ? own : resource.get(key);
    }
}
