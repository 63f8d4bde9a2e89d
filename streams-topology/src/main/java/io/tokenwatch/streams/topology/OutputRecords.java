package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.events.v1.Budget;
import io.tokenwatch.events.v1.BudgetState;
import io.tokenwatch.events.v1.Contributor;
import io.tokenwatch.events.v1.GroupWindowStats;
import io.tokenwatch.events.v1.SessionSummary;
import io.tokenwatch.streams.anomaly.AlertEpisode;
import io.tokenwatch.streams.anomaly.Judgement;
import io.tokenwatch.streams.budget.BudgetSpend;
import io.tokenwatch.streams.budget.SpendProfile;
import io.tokenwatch.streams.stats.WindowSums.Field;
import io.tokenwatch.streams.stats.WindowSums;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** Builds the user-facing Avro records from the pipeline's sums: one place for every formula. */
public final class OutputRecords {
    /** {@code resolved_reason} of an episode whose metric stayed under the threshold for a full window. */
    public static final String RESOLVED_BACK_UNDER = "back-under-threshold";
    /** {@code resolved_reason} of an episode whose group went quiet for longer than the baseline span. */
    public static final String RESOLVED_EXPIRED = "expired";

    private OutputRecords() {
    }

    /** Upsert key of a window's stats: dimension|group|window start (ISO). */
    public static String statsKey(String dimension, String group, long windowStart) {
        return dimension + "|" + group + "|" + Instant.ofEpochMilli(windowStart);
    }

    public static GroupWindowStats windowStats(String dimension, String group, long windowStart, long windowEnd, WindowSums s, long updatedAt) {
        long calls = s.get(Field.CALLS);
        long decided = s.get(Field.DECIDED);
        long accepted = s.get(Field.ACCEPTED);
        long input = s.get(Field.INPUT_TOKENS);
        double p95 = s.latency().quantile(0.95);
        return GroupWindowStats.newBuilder()
                .setDimension(dimension).setGroup(group)
                .setWindowStart(Instant.ofEpochMilli(windowStart)).setWindowEnd(Instant.ofEpochMilli(windowEnd))
                .setCalls(calls).setInputTokens(input).setOutputTokens(s.get(Field.OUTPUT_TOKENS))
                .setCacheReadTokens(s.get(Field.CACHE_READ_TOKENS)).setCacheWriteTokens(s.get(Field.CACHE_WRITE_TOKENS))
                .setReasoningTokens(s.get(Field.REASONING_TOKENS)).setCostUsd(usd(s.get(Field.COST_NANOS)))
                .setUnpricedCalls(s.get(Field.UNPRICED_CALLS)).setRetriedCalls(s.get(Field.RETRIED_CALLS))
                .setToolCalls(s.get(Field.TOOL_CALLS)).setAccepted(accepted).setRejected(s.get(Field.REJECTED))
                .setDecided(decided).setAbandoned(s.get(Field.ABANDONED))
                .setDecidedCostUsd(usd(s.get(Field.DECIDED_COST_NANOS))).setAbandonedCostUsd(usd(s.get(Field.ABANDONED_COST_NANOS)))
                .setTokensPerCall(calls == 0 ? null : (double) s.tokens() / calls)
                .setCostPerCall(calls == 0 ? null : s.costUsd() / calls)
                .setCostPerAccepted(accepted == 0 ? null : s.get(Field.DECIDED_COST_NANOS) / 1e9 / accepted)
                .setAcceptanceRate(decided == 0 ? null : (double) accepted / decided)
                .setCacheHitRatio(input == 0 ? null : (double) s.get(Field.CACHE_READ_TOKENS) / input)
                .setRetryRate(calls == 0 ? null : (double) s.get(Field.RETRIED_CALLS) / calls)
                .setToolCallsPerCall(calls == 0 ? null : (double) s.get(Field.TOOL_CALLS) / calls)
                .setLatencyP95Ms(Double.isNaN(p95) ? null : p95)
                .setUpdatedAt(Instant.ofEpochMilli(updatedAt))
                .build();
    }

    public static AnomalyAlert alert(AlertEpisode episode, AlertStatus status, String dimension, String group, Judgement j,
                                     double threshold, long windowStart, long windowEnd, List<Contributor> contributors,
                                     long eventTime, String triggerCallId, String resolvedReason) {
        return AnomalyAlert.newBuilder()
                .setAlertId(episode.alertId()).setStatus(status).setDimension(dimension).setGroup(group)
                .setMetric(j.metric().id()).setObserved(j.observed()).setBaseline(j.baseline())
                .setRatio(Double.isNaN(j.ratio()) ? 0 : j.ratio()).setThreshold(threshold).setSeverityStep(episode.severityStep())
                .setWindowStart(Instant.ofEpochMilli(windowStart)).setWindowEnd(Instant.ofEpochMilli(windowEnd))
                .setWindowCalls(j.windowSamples()).setBaselineCalls(j.baselineSamples()).setBaselineHours(j.baselineSlots())
                .setCostImpactUsd(j.costImpactUsd()).setTopContributors(contributors)
                .setOpenedAt(Instant.ofEpochMilli(episode.openedAt())).setUpdatedAt(Instant.ofEpochMilli(eventTime))
                .setTriggerCallId(triggerCallId).setResolvedReason(resolvedReason)
                .build();
    }

    /**
     * A budget alert: {@code observed} is the spend so far (budget_spend) or the projected period-end spend
     * (budget_forecast) against the budget's amount; the judged window is the budget's period.
     */
    public static AnomalyAlert budgetAlert(String alertId, AlertStatus status, String dimension, String group, String metric, Budget budget,
                                           String budgetKey, BudgetSpend spend, long observedNanos, double threshold, Double warningFraction,
                                           SpendProfile.Projection projection, int historySlots, long openedAt, long eventTime,
                                           String triggerCallId, List<Contributor> contributors, String resolvedReason) {
        double amount = budget.getAmountUsd();
        double observed = observedNanos / 1e9;
        BudgetState state = BudgetState.newBuilder()
                .setBudgetKey(budgetKey).setPeriod(budget.getPeriod().name().toLowerCase(Locale.ROOT)).setAmountUsd(amount)
                .setSpentUsd(spend.spentNanos() / 1e9).setWarningFraction(warningFraction)
                .setProjectedUsd(projection == null ? null : projection.periodEndSpend() / 1e9)
                .setExhaustedAt(projection == null || projection.exhaustedAt() < 0 || projection.exhaustedAt() >= spend.periodEnd()
                        ? null : Instant.ofEpochMilli(projection.exhaustedAt()))
                .setPeriodStart(Instant.ofEpochMilli(spend.periodStart())).setPeriodEnd(Instant.ofEpochMilli(spend.periodEnd()))
                .setTimeZone(budget.getTimeZone()).setOwner(budget.getOwner()).setSlackRoute(budget.getSlackRoute())
                .build();
        double ratio = amount > 0 ? observed / amount : 0;
        return AnomalyAlert.newBuilder()
                .setAlertId(alertId).setStatus(status).setDimension(dimension).setGroup(group).setMetric(metric)
                .setObserved(observed).setBaseline(amount).setRatio(ratio).setThreshold(threshold)
                .setSeverityStep(warningFraction != null ? warningFraction : ratio)
                .setWindowStart(Instant.ofEpochMilli(spend.periodStart())).setWindowEnd(Instant.ofEpochMilli(spend.periodEnd()))
                .setWindowCalls(spend.calls()).setBaselineCalls(0).setBaselineHours(historySlots)
                .setCostImpactUsd(Math.max(0, observed - amount)).setTopContributors(contributors)
                .setOpenedAt(Instant.ofEpochMilli(openedAt)).setUpdatedAt(Instant.ofEpochMilli(eventTime))
                .setTriggerCallId(triggerCallId).setResolvedReason(resolvedReason).setBudget(state)
                .build();
    }

    /** Adds a delta's counts to a session's totals (a new session when {@code totals} is null). */
    public static SessionSummary addToSession(SessionSummary totals, String sessionId, CallDelta delta) {
        WindowSums s = delta.sums();
        SessionSummary.Builder b = totals == null
                ? SessionSummary.newBuilder().setSessionId(sessionId)
                .setStart(Instant.ofEpochMilli(delta.timestamp())).setEnd(Instant.ofEpochMilli(delta.timestamp()))
                .setCalls(0).setInputTokens(0).setOutputTokens(0).setCacheReadTokens(0).setCostUsd(usd(0))
                .setRetries(0).setAccepted(0).setRejected(0).setAbandoned(0)
                : SessionSummary.newBuilder(totals);
        if (delta.newCall()) {
            b.setTask(delta.attribute(CallDelta.Attribute.TASK)).setAgent(delta.attribute(CallDelta.Attribute.AGENT))
                    .setOwner(delta.attribute(CallDelta.Attribute.OWNER));
        }
        return b.setCalls(b.getCalls() + s.get(Field.CALLS))
                .setInputTokens(b.getInputTokens() + s.get(Field.INPUT_TOKENS))
                .setOutputTokens(b.getOutputTokens() + s.get(Field.OUTPUT_TOKENS))
                .setCacheReadTokens(b.getCacheReadTokens() + s.get(Field.CACHE_READ_TOKENS))
                .setCostUsd(b.getCostUsd().add(usd(s.get(Field.COST_NANOS))))
                .setRetries(b.getRetries() + s.get(Field.RETRIES))
                .setAccepted(b.getAccepted() + s.get(Field.ACCEPTED))
                .setRejected(b.getRejected() + s.get(Field.REJECTED))
                .setAbandoned(b.getAbandoned() + s.get(Field.ABANDONED))
                .build();
    }

    /** Two sessions that merged into one (either may be null: a merge starts from none). */
    public static SessionSummary mergeSessions(SessionSummary a, SessionSummary b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        SessionSummary later = a.getEnd().isAfter(b.getEnd()) ? a : b;
        return SessionSummary.newBuilder(later)
                .setStart(a.getStart().isBefore(b.getStart()) ? a.getStart() : b.getStart())
                .setCalls(a.getCalls() + b.getCalls()).setInputTokens(a.getInputTokens() + b.getInputTokens())
                .setOutputTokens(a.getOutputTokens() + b.getOutputTokens()).setCacheReadTokens(a.getCacheReadTokens() + b.getCacheReadTokens())
                .setCostUsd(a.getCostUsd().add(b.getCostUsd())).setRetries(a.getRetries() + b.getRetries())
                .setAccepted(a.getAccepted() + b.getAccepted()).setRejected(a.getRejected() + b.getRejected())
                .setAbandoned(a.getAbandoned() + b.getAbandoned())
                .build();
    }

    public static BigDecimal usd(long nanos) {
        return BigDecimal.valueOf(nanos, 9);
    }
}
