package io.tokenwatch.streams.demo;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

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
    REJECTION_SURGE("pr-descriptions"),
    /** Not injected: what the spend spike does to its task's daily budget, scored on its own (budget alerts only). */
    BUDGET_BREACH("sprint-planning"),
    /**
     * A batch job calls gpt-5 with its own key, around producer-lib: billed by the provider, never seen by
     * Tokenwatch, from three hours before live traffic on (demo only: it needs the providers' usage
     * stand-ins and the reconciliation of settled hours). No task of Tokenwatch's is touched.
     */
    UNTRACKED_SPEND("-");

    /** The model whose calls the untracked-spend incident hides. */
    static final String UNTRACKED_MODEL = "gpt-5";

    final String task;

    Incident(String task) {
        this.task = task;
    }

    /** Whether it is started during live traffic on a schedule (the untracked spend runs from the history on). */
    boolean live() {
        return this != UNTRACKED_SPEND && injectedBy() == this;
    }

    /** The injected incident whose traffic causes this one (itself for all but the budget breach). */
    Incident injectedBy() {
        return this == BUDGET_BREACH ? SPEND_SPIKE : this;
    }

    /** What a scorecard expects of the injected {@code incidents}: each of them, and what they cause. */
    static Set<Incident> scoredWith(Set<Incident> incidents) {
        EnumSet<Incident> scored = EnumSet.noneOf(Incident.class);
        for (Incident incident : values()) {
            if (incidents.contains(incident.injectedBy())) {
                scored.add(incident);
            }
        }
        return scored;
    }

    String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static Incident fromId(String id) {
        return valueOf(id.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    }
}
