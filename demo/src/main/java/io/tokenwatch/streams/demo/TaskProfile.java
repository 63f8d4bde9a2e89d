package io.tokenwatch.streams.demo;

/**
 * How one synthetic task behaves in normal times: its model, token sizes (log-normal around the
 * means), caching, retries, tools, latency, outcome rates and daily traffic.
 */
record TaskProfile(String task, String team, String feature, String agent, String model, long meanInputTokens,
                   long meanOutputTokens, double cacheHitRatio, double retryRate, double toolCallsPerCall,
                   long medianLatencyMs, double acceptRate, double editRate, double rejectRate, double abandonRate,
                   int peakCallsPerHour, int quietCallsPerHour) {

    /** The six services of the demo company. */
    static final TaskProfile[] ALL = {
            new TaskProfile("code-review", "platform", "pr-bot", "review-bot", "claude-sonnet-4-5-20250929", 24_000, 900, 0.72, 0.03, 2.0, 9_000, 0.70, 0.18, 0.08, 0.02, 120, 30),
            new TaskProfile("test-generation", "quality", "testgen", "test-agent", "gpt-5", 16_000, 2_400, 0.55, 0.03, 3.0, 14_000, 0.62, 0.22, 0.12, 0.02, 110, 28),
            new TaskProfile("bug-diagnosis", "platform", "triage", "debug-agent", "claude-opus-4-1", 30_000, 1_500, 0.68, 0.03, 4.0, 18_000, 0.55, 0.25, 0.15, 0.03, 100, 25),
            new TaskProfile("sprint-planning", "product", "planner", "pm-assistant", "claude-sonnet-4-5-20250929", 9_000, 1_200, 0.60, 0.02, 1.0, 7_000, 0.75, 0.15, 0.06, 0.02, 110, 30),
            new TaskProfile("documentation", "product", "docs-writer", "docs-agent", "gemini-2.5-pro", 12_000, 2_000, 0.50, 0.02, 0.5, 11_000, 0.72, 0.18, 0.06, 0.02, 100, 25),
            new TaskProfile("pr-descriptions", "quality", "pr-bot", "review-bot", "claude-haiku-4-5", 6_000, 500, 0.65, 0.02, 0.2, 3_000, 0.80, 0.12, 0.05, 0.02, 120, 30)
    };

    /** Daily seasonality: busy working hours (09:00-18:00 UTC), quiet otherwise. */
    int callsPerHour(int utcHour) {
        return utcHour >= 9 && utcHour < 18 ? peakCallsPerHour : quietCallsPerHour;
    }
}
