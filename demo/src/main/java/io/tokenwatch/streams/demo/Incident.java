package io.tokenwatch.streams.demo;

import java.util.Locale;

/** The incidents the demo can inject, each on its own task, with known ground truth. */
enum Incident {
    /** Context keeps growing: input tokens per call +60%. */
    CONTEXT_GROWTH("code-review"),
    /** A flaky upstream: 45% of calls retried (normally about 3%). */
    RETRY_STORM("test-generation"),
    /** A prompt change breaks caching: cache hit ratio collapses to about 5%. */
    CACHE_BREAK("bug-diagnosis"),
    /** A new feature ships calling a large model a lot: calls and spend jump. */
    SPEND_SPIKE("sprint-planning"),
    /** A regression in output quality: most output rejected, cost per accepted outcome soars. */
    REJECTION_SURGE("pr-descriptions");

    final String task;

    Incident(String task) {
        this.task = task;
    }

    String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static Incident fromId(String id) {
        return valueOf(id.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    }
}
