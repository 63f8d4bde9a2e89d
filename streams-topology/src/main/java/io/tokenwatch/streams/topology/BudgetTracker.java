package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.events.v1.Budget;
import io.tokenwatch.events.v1.BudgetPeriod;
import io.tokenwatch.events.v1.Contributor;
import io.tokenwatch.streams.budget.BudgetCalendar;
import io.tokenwatch.streams.budget.BudgetRule;
import io.tokenwatch.streams.budget.BudgetSpend;
import io.tokenwatch.streams.budget.BudgetValidation;
import io.tokenwatch.streams.budget.SpendProfile;
import io.tokenwatch.streams.stats.RollingBaseline;
import io.tokenwatch.streams.stats.WindowSums;
import io.tokenwatch.streams.stats.WindowSums.Field;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * Budgets of the group detector's groups: the spend of each budget's period counted from the same
 * deltas the anomaly rule judges (in event-time order), each warning fraction raised once per period,
 * and the period-end forecast from the group's hourly profile ({@link SpendProfile}). Budgets are read
 * from a global store fed by the budgets topic, so one changed or deleted while the app runs applies
 * from the next call on (and a deleted one's open alerts resolve at the next window).
 */
public final class BudgetTracker {
    /** The budgets topic as a global store: raw bytes per budget key, decoded when used. */
    public static final String BUDGETS = "budgets";
    /** Spend and alert state of each budget's current period, by budget key. */
    public static final String SPEND = "budget-spend";
    static final String RESOLVED_PERIOD_ENDED = "period-ended";
    static final String RESOLVED_BUDGET_REMOVED = "budget-removed";

    private static final Logger LOG = LoggerFactory.getLogger(BudgetTracker.class);
    private static final BudgetPeriod[] PERIODS = BudgetPeriod.values();
    private static final int PROFILES_CACHED = 4_096;

    private final long windowMs;
    private final int day;
    private final int week;
    private final Supplier<Deserializer<Budget>> budgetReader;
    private Deserializer<Budget> reader;
    private KeyValueStore<String, byte[]> budgets;
    private KeyValueStore<String, byte[]> spend;
    /** Decoded budgets by key, checked against the stored bytes on every use: a cache of the global store, nothing more. */
    private final Map<String, DecodedBudget> decoded = new LinkedHashMap<>();
    /**
     * Profiles by group for the current window. Safe outside the stores: a profile is computed from
     * windows a day and more older than the current one, whose cost no later delta changes.
     */
    private final Map<String, CachedProfile> profiles = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CachedProfile> eldest) {
            return size() > PROFILES_CACHED;
        }
    };

    private record DecodedBudget(byte[] bytes, Budget budget, ZoneId zone) {
    }

    private record CachedProfile(long slot, SpendProfile profile) {
    }

    BudgetTracker(long windowMs, int day, int week, Supplier<Deserializer<Budget>> budgetReader) {
        this.windowMs = windowMs;
        this.day = day;
        this.week = week;
        this.budgetReader = budgetReader;
    }

    static StoreBuilder<KeyValueStore<String, byte[]>> spendStore() {
        return StoreOwningSupplier.cachedKeyValueStore(SPEND, Serdes.String(), Serdes.ByteArray());
    }

    void init(ProcessorContext<?, ?> context) {
        budgets = context.getStateStore(BUDGETS);
        spend = context.getStateStore(SPEND);
        if (reader == null) {
            reader = budgetReader.get();
        }
        decoded.clear();
        profiles.clear();
    }

    /** What a call changes in its group's budgets; {@code window} and {@code baseline} already hold it. */
    void onCall(GroupKey group, CallDelta delta, long eventTime, RollingBaseline baseline, LongFunction<WindowSums> windowAt,
                Supplier<List<Contributor>> contributors, Consumer<AnomalyAlert> emit) {
        long cost = delta.sums().get(Field.COST_NANOS);
        long callTime = delta.timestamp();
        for (BudgetPeriod kind : PERIODS) {
            String key = BudgetCalendar.budgetKey(group.dimension(), group.group(), kind);
            DecodedBudget budget = budget(key);
            if (budget == null) {
                continue;
            }
            BudgetCalendar.Span period = BudgetCalendar.periodOf(kind, budget.zone(), callTime);
            byte[] stored = spend.get(key);
            BudgetSpend state = stored == null ? null : BudgetSpend.fromBytes(stored);
            if (state != null && callTime < state.periodStart()) {
                continue; // a call of a period already closed: its spend counted there, nothing to warn about now
            }
            if (state != null && state.periodStart() != period.start()) {
                endPeriod(key, group, budget.budget(), state, state.periodEnd(), RESOLVED_PERIOD_ENDED, emit);
                state = null;
            }
            state = state == null ? startPeriod(period, delta, baseline, windowAt) : state.plus(cost, 1);
            long amount = nanos(budget.budget().getAmountUsd());

            double crossed = BudgetRule.warningCrossed(budget.budget().getWarnAt(), state.highestWarning(), state.spentNanos(), amount);
            if (!Double.isNaN(crossed)) {
                AlertStatus status = state.spendOpenedAt() == 0 ? AlertStatus.OPEN : AlertStatus.ESCALATED;
                state = state.warned(crossed, eventTime);
                emit.accept(spendAlert(key, group, budget.budget(), state, status, crossed, eventTime, delta.callId(), contributors.get(), null));
            }
            state = forecast(key, group, budget.budget(), state, amount, delta, eventTime, baseline, windowAt, contributors, emit);
            spend.put(key, state.toBytes());
        }
    }

    /** Ends periods whose end the event time has passed and the state of removed budgets, resolving their open alerts. */
    void sweep(long watermark, Consumer<AnomalyAlert> emit) {
        // Collected first, ended after: the store is not changed under its own iterator.
        List<Ended> ended = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = spend.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> entry = all.next();
                BudgetSpend state = BudgetSpend.fromBytes(entry.value);
                DecodedBudget budget = budget(entry.key);
                if (budget == null) {
                    ended.add(new Ended(entry.key, state, removedBudget(entry.key), RESOLVED_BUDGET_REMOVED));
                } else if (state.periodEnd() <= watermark) {
                    ended.add(new Ended(entry.key, state, budget.budget(), RESOLVED_PERIOD_ENDED));
                }
            }
        }
        for (Ended end : ended) {
            // A period ends at its boundary whichever comes first, its next call or this sweep; a removal, when it is seen.
            long at = end.reason().equals(RESOLVED_PERIOD_ENDED) ? end.state().periodEnd() : Math.max(watermark, end.state().asOf());
            endPeriod(end.key(), groupOfBudget(end.key()), end.budget(), end.state(), at, end.reason(), emit);
            spend.delete(end.key());
        }
    }

    /** A budget's period the sweep ends, with the budget its last alerts name, and why. */
    private record Ended(String key, BudgetSpend state, Budget budget, String reason) {
    }

    private BudgetSpend startPeriod(BudgetCalendar.Span period, CallDelta delta, RollingBaseline baseline, LongFunction<WindowSums> windowAt) {
        // A budget first seen mid-period (or a period's first call) counts what the kept windows hold since the period began:
        // whole windows only, and of a window the period began inside, only this call.
        long slot = Math.floorDiv(delta.timestamp(), windowMs);
        long first = Math.max(Math.floorDiv(period.start() + windowMs - 1, windowMs), Math.max(baseline.oldestRetainedSlot(), baseline.firstSlot()));
        long spent = 0;
        long calls = 0;
        for (long s = first; s < slot; s++) {
            WindowSums window = windowAt.apply(s);
            if (window != null) {
                spent += window.get(Field.COST_NANOS);
                calls += window.get(Field.CALLS);
            }
        }
        WindowSums current = windowAt.apply(slot);
        if (slot * windowMs >= period.start() && current != null) {
            spent += current.get(Field.COST_NANOS);
            calls += current.get(Field.CALLS);
        } else {
            spent += delta.sums().get(Field.COST_NANOS);
            calls += 1;
        }
        return BudgetSpend.starting(period, spent, calls);
    }

    private BudgetSpend forecast(String key, GroupKey group, Budget budget, BudgetSpend state, long amount, CallDelta delta, long eventTime,
                                 RollingBaseline baseline, LongFunction<WindowSums> windowAt, Supplier<List<Contributor>> contributors,
                                 Consumer<AnomalyAlert> emit) {
        long slot = baseline.currentSlot();
        SpendProfile profile = profile(group.key(), slot, baseline, windowAt);
        double elapsed = (double) (delta.timestamp() - slot * windowMs) / windowMs;
        double pace = profile == null ? Double.NaN : profile.pace(baseline.lastDay().get(Field.COST_NANOS), slot, day, elapsed);
        SpendProfile.Projection projection = Double.isNaN(pace) ? null
                : profile.project(delta.timestamp(), windowMs, state.spentNanos(), state.periodEnd(), amount, pace);
        BudgetSpend next = state.projected(projection, delta.timestamp());
        if (projection == null) {
            return next;
        }
        BudgetRule.ForecastChange change = BudgetRule.forecast(next.forecastOpenedAt() != 0, projection.periodEndSpend(), next.spentNanos(),
                amount, budget.getForecastMargin());
        if (change == BudgetRule.ForecastChange.NONE || change == BudgetRule.ForecastChange.OPEN && !profile.coversWeek()) {
            return next; // less than a week of history: the profile may not know the weekend yet (shown by the API, never alerted on)
        }
        boolean opens = change == BudgetRule.ForecastChange.OPEN;
        long openedAt = opens ? eventTime : next.forecastOpenedAt();
        next = next.forecastOpen(opens ? eventTime : 0);
        emit.accept(forecastAlert(key, group, budget, next, openedAt, opens ? AlertStatus.OPEN : AlertStatus.RESOLVED, projection,
                profile.historySlots(), eventTime, delta.callId(), contributors.get(), opens ? null : OutputRecords.RESOLVED_BACK_UNDER));
        return next;
    }

    private SpendProfile profile(String groupKey, long slot, RollingBaseline baseline, LongFunction<WindowSums> windowAt) {
        CachedProfile cached = profiles.get(groupKey);
        if (cached == null || cached.slot() != slot) {
            cached = new CachedProfile(slot, SpendProfile.of(slot, baseline.firstSlot(), day, week, s -> {
                WindowSums window = windowAt.apply(s);
                return window == null ? 0 : window.get(Field.COST_NANOS);
            }));
            profiles.put(groupKey, cached);
        }
        return cached.profile();
    }

    private void endPeriod(String key, GroupKey group, Budget budget, BudgetSpend state, long at, String reason, Consumer<AnomalyAlert> emit) {
        if (state.spendOpenedAt() != 0) {
            emit.accept(spendAlert(key, group, budget, state, AlertStatus.RESOLVED, state.highestWarning(), at, null, List.of(), reason));
        }
        if (state.forecastOpenedAt() != 0) {
            emit.accept(forecastAlert(key, group, budget, state, state.forecastOpenedAt(), AlertStatus.RESOLVED, null, 0, at, null, List.of(), reason));
        }
    }

    private AnomalyAlert spendAlert(String key, GroupKey group, Budget budget, BudgetSpend state, AlertStatus status, double fraction, long at,
                                    String callId, List<Contributor> contributors, String resolvedReason) {
        String alertId = key + "|budget_spend|" + Instant.ofEpochMilli(state.periodStart());
        return OutputRecords.budgetAlert(alertId, status, group.dimension(), group.group(), "budget_spend", budget, key, state,
                state.spentNanos(), fraction, fraction, null, 0, state.spendOpenedAt() == 0 ? at : state.spendOpenedAt(), at, callId,
                contributors, resolvedReason);
    }

    private AnomalyAlert forecastAlert(String key, GroupKey group, Budget budget, BudgetSpend state, long openedAt, AlertStatus status,
                                       SpendProfile.Projection projection, int historySlots, long at, String callId,
                                       List<Contributor> contributors, String resolvedReason) {
        String alertId = key + "|budget_forecast|" + Instant.ofEpochMilli(openedAt);
        long projected = projection == null ? state.spentNanos() : projection.periodEndSpend();
        return OutputRecords.budgetAlert(alertId, status, group.dimension(), group.group(), "budget_forecast", budget, key, state,
                projected, 1 + budget.getForecastMargin(), null, projection, historySlots, openedAt, at, callId, contributors, resolvedReason);
    }

    /** The budget stored under {@code key}, or null when there is none or it cannot be used (logged once per version). */
    private DecodedBudget budget(String key) {
        byte[] bytes = budgets.get(key);
        if (bytes == null) {
            decoded.remove(key);
            return null;
        }
        DecodedBudget known = decoded.get(key);
        if (known != null && Arrays.equals(known.bytes(), bytes)) {
            return known.budget() == null ? null : known;
        }
        DecodedBudget fresh;
        try {
            Budget budget = BudgetValidation.usable(key, bytes, reader);
            fresh = new DecodedBudget(bytes, budget, ZoneId.of(budget.getTimeZone()));
        } catch (IllegalArgumentException e) {
            LOG.error("Budget {} is ignored: {}. Set it again with `tokenwatch budget set`.", key, e.getMessage());
            fresh = new DecodedBudget(bytes, null, null);
        }
        decoded.put(key, fresh);
        return fresh.budget() == null ? null : fresh;
    }

    /** A stand-in for a deleted budget, for its last alerts: the key's fields and nothing else. */
    private static Budget removedBudget(String key) {
        GroupKey group = groupOfBudget(key);
        String period = key.substring(key.lastIndexOf('|') + 1);
        return Budget.newBuilder().setDimension(group.dimension()).setGroup(group.group())
                .setPeriod(BudgetPeriod.valueOf(period.toUpperCase(Locale.ROOT))).setAmountUsd(0).setUpdatedAt(Instant.EPOCH).build();
    }

    static long nanos(double usd) {
        return Math.round(usd * 1e9);
    }

    /** The group a budget key ({@code dimension|group|period}) is about. */
    private static GroupKey groupOfBudget(String budgetKey) {
        return GroupKey.of(budgetKey.substring(0, budgetKey.lastIndexOf('|')));
    }
}
