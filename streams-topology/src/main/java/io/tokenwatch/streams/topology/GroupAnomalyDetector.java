package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.events.v1.Budget;
import io.tokenwatch.streams.anomaly.AlertEpisode;
import io.tokenwatch.streams.anomaly.AnomalyRule;
import io.tokenwatch.streams.anomaly.EpisodePolicy;
import io.tokenwatch.streams.anomaly.Judgement;
import io.tokenwatch.streams.anomaly.Metric;
import io.tokenwatch.streams.anomaly.OpenEpisodes;
import io.tokenwatch.streams.ordering.OrderedDelta;
import io.tokenwatch.streams.stats.RollingBaseline;
import io.tokenwatch.streams.stats.WindowSums.Field;
import io.tokenwatch.streams.stats.WindowSums;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Per group (a value of one dimension, key {@code dimension|group}): adds each delta to its window's
 * sums, slides the group's 7-day baseline, writes the window's stats, and judges every metric as the
 * event arrives, opening, escalating and resolving alert episodes. Deltas arrive in event-time order
 * across every upstream task ({@link io.tokenwatch.streams.ordering.EventTimeReorderBuffer}), so each
 * one is judged against exactly the sums in-order processing would have; the buffer's released
 * watermark drives the forgetting of quiet groups, by event time.
 */
public final class GroupAnomalyDetector implements Processor<String, OrderedDelta, String, GroupOutput> {
    public static final String WINDOW_SUMS = "group-window-sums";
    public static final String BASELINES = "group-baselines";
    public static final String CONTRIBUTORS = "group-window-contributors";
    public static final String EPISODES = "alert-episodes";

    private static final Logger LOG = LoggerFactory.getLogger(GroupAnomalyDetector.class);

    private final long windowMs;
    private final int week;
    private final int day;
    private final AnomalyRule rule;
    private final EpisodePolicy episodes;
    private final Set<Metric> metrics;
    private final BudgetTracker budgets;
    private ProcessorContext<String, GroupOutput> context;
    private KeyValueStore<Bytes, byte[]> windowSums;
    private KeyValueStore<String, byte[]> baselines;
    private KeyValueStore<String, byte[]> contributors;
    private KeyValueStore<String, byte[]> openEpisodes;
    /** Cache of the last slot swept for quiet groups: sweeping again after a revive is harmless. */
    private long sweptSlot = Long.MIN_VALUE;
    /** The state of the groups the current release touches, written back when it ends. */
    private GroupStates states;
    /** The latest stats of each window changed since the last release: sent once per window and release. */
    private final ChangedSinceRelease<Bytes, ChangedWindow> changedWindows = new ChangedSinceRelease<>(this::sendStats);

    /** A window whose stats changed: they are built when sent. */
    private record ChangedWindow(GroupKey group, long start, WindowSums sums, long changedAt, long timestamp) {
    }

    /**
     * The detector with its stores: window sums, baselines, contributors, open alert episodes and budget
     * spend, per group; the budgets themselves are in the global store {@link BudgetTracker#BUDGETS}.
     */
    public static StoreOwningSupplier<String, OrderedDelta, String, GroupOutput> supplier(Duration window, AnomalyRule rule, EpisodePolicy episodes,
                                                                                         Set<Metric> metrics, Supplier<Deserializer<Budget>> budgetReader) {
        return StoreOwningSupplier.of(() -> new GroupAnomalyDetector(window, rule, episodes, metrics, budgetReader),
                BudgetTracker.spendStore(),
                StoreOwningSupplier.cachedKeyValueStore(WINDOW_SUMS, Serdes.Bytes(), Serdes.ByteArray()),
                StoreOwningSupplier.cachedKeyValueStore(BASELINES, Serdes.String(), Serdes.ByteArray()),
                StoreOwningSupplier.cachedKeyValueStore(CONTRIBUTORS, Serdes.String(), Serdes.ByteArray()),
                StoreOwningSupplier.cachedKeyValueStore(EPISODES, Serdes.String(), Serdes.ByteArray()));
    }

    public GroupAnomalyDetector(Duration window, AnomalyRule rule, EpisodePolicy episodes, Set<Metric> metrics,
                                Supplier<Deserializer<Budget>> budgetReader) {
        this.windowMs = window.toMillis();
        this.day = (int) (Duration.ofDays(1).toMillis() / windowMs);
        this.week = 7 * day;
        this.rule = rule;
        this.episodes = episodes;
        this.metrics = metrics;
        this.budgets = new BudgetTracker(windowMs, day, week, budgetReader);
    }

    @Override
    public void init(ProcessorContext<String, GroupOutput> context) {
        this.context = context;
        this.windowSums = context.getStateStore(WINDOW_SUMS);
        this.baselines = context.getStateStore(BASELINES);
        this.contributors = context.getStateStore(CONTRIBUTORS);
        this.openEpisodes = context.getStateStore(EPISODES);
        this.states = new GroupStates(windowSums, baselines, contributors, openEpisodes);
        budgets.init(context);
        sweptSlot = Long.MIN_VALUE;
        changedWindows.clear();
    }

    @Override
    public void process(Record<String, OrderedDelta> record) {
        if (record.value().isMarker()) {
            // The end of a release: every group's state it changed is written back once, before this record's processing returns.
            states.flush();
            changedWindows.send();
            long slot = Math.floorDiv(record.value().marker().watermark(), windowMs);
            if (slot > sweptSlot) {
                sweptSlot = slot;
                forgetQuietGroups(slot, record.value().marker().watermark());
                budgets.sweep(record.value().marker().watermark(), alert -> forwardAlert(alert, record.timestamp()));
            }
            states.flush();
            return;
        }
        if (states.full()) {
            states.flush(); // a long catch-up release: bounded heap, the same writes
        }
        String groupKey = record.key();
        CallDelta delta = record.value().delta();
        long eventTime = record.value().orderTime();
        long slot = Math.floorDiv(delta.timestamp(), windowMs);

        RollingBaseline known = states.baseline(groupKey);
        RollingBaseline baseline = known == null ? RollingBaseline.startingAt(slot, week, day) : known;
        if (slot > baseline.currentSlot()) {
            long oldestBefore = baseline.oldestRetainedSlot();
            long lastFilled = baseline.currentSlot();
            baseline.advanceTo(slot, s -> sums(groupKey, s));
            forgetWindows(groupKey, Math.max(oldestBefore, baseline.firstSlot()), Math.min(baseline.oldestRetainedSlot() - 1, lastFilled));
        }
        WindowSums window = sums(groupKey, slot);
        WindowSums change = delta.sums();
        if (delta.newCall() && (window == null || window.get(Field.CALLS) == 0)) {
            change = change.copy().add(Field.ACTIVE_WINDOWS, 1); // the window's first call: one more window with data
        }
        if (!baseline.apply(slot, change)) {
            LOG.warn("Delta for call {} in window {} is older than the {} windows kept for group {}: ignored",
                    delta.callId(), slot, week + day, groupKey);
            return;
        }
        window = window == null ? change.copy() : window.addAll(change, 1);
        states.changedWindow(windowKey(groupKey, slot), window);
        states.changedBaseline(groupKey, baseline);

        GroupKey group = GroupKey.of(groupKey);
        long windowStart = slot * windowMs;
        changedWindows.put(windowKey(groupKey, slot), new ChangedWindow(group, windowStart, window, eventTime, record.timestamp()));

        if (slot != baseline.currentSlot()) {
            return; // a late outcome for an earlier window: its stats are updated, the judged window is the current one
        }
        // Decoded for a new call's cost, or later for an alert's top contributors: most outcome deltas need neither.
        Contributors spenders = null;
        if (delta.newCall()) {
            spenders = currentContributors(groupKey, slot);
            spenders.add(delta.attribution(), delta.sums().get(Field.COST_NANOS));
            states.changedContributors(groupKey, spenders);
            Contributors spentBy = spenders;
            WindowSums spentIn = window;
            budgets.onCall(group, delta, eventTime, baseline, s -> sums(groupKey, s),
                    () -> spentBy.top(spentIn.get(Field.COST_NANOS)), alert -> forwardAlert(alert, delta.timestamp()));
        }
        OpenEpisodes open = states.episodes(groupKey);
        boolean changed = false;
        for (Metric metric : metrics) {
            changed |= judge(groupKey, group, metric, window, baseline, spenders, delta, eventTime, open);
        }
        if (changed) {
            states.changedEpisodes(groupKey);
        }
    }

    /** Judges one metric, updating {@code episodes}; returns whether its episode changed. */
    private boolean judge(String groupKey, GroupKey group, Metric metric, WindowSums window, RollingBaseline baseline,
                          Contributors spenders, CallDelta delta, long eventTime, OpenEpisodes episodesOfGroup) {
        Judgement judgement = rule.judge(metric, window, baseline);
        AlertEpisode open = episodesOfGroup.get(metric);
        if (open == null && !judgement.anomalous()) {
            return false;
        }
        long slot = baseline.currentSlot();
        long judgedStart = (metric.kind() == Metric.Kind.VOLUME ? slot - day + 1 : slot) * windowMs;
        long judgedEnd = (slot + 1) * windowMs;
        EpisodePolicy.Decision decision = episodes.decide(open, judgement, groupKey + "|" + metric.id(), eventTime, judgedStart);
        boolean changed = !Objects.equals(decision.episode(), open);
        episodesOfGroup.set(metric, decision.episode());
        if (decision.emit() != null) {
            AlertEpisode episode = decision.episode() != null ? decision.episode() : open;
            AnomalyAlert alert = OutputRecords.alert(episode, decision.emit(), group.dimension(), group.group(), judgement, rule.threshold(),
                    judgedStart, judgedEnd, (spenders != null ? spenders : currentContributors(groupKey, slot)).top(window.get(Field.COST_NANOS)), eventTime, delta.callId(),
                    decision.emit() == AlertStatus.RESOLVED ? OutputRecords.RESOLVED_BACK_UNDER : null);
            context.forward(new Record<>(episode.alertId(), new GroupOutput(null, alert), delta.timestamp()));
        }
        return changed;
    }

    /** A group forgotten with an episode still open: the episode ends (RESOLVED, expired) so nobody waits on it forever. */
    private void expireEpisodes(String groupKey, RollingBaseline baseline, long watermark) {
        GroupKey group = GroupKey.of(groupKey);
        long slot = baseline.currentSlot();
        WindowSums window = sums(groupKey, slot);
        byte[] stored = openEpisodes.get(groupKey);
        if (stored == null) {
            return;
        }
        openEpisodes.delete(groupKey);
        for (Map.Entry<Metric, AlertEpisode> episode : OpenEpisodes.fromBytes(stored).all().entrySet()) {
            Metric metric = episode.getKey();
            AlertEpisode open = episode.getValue();
            Judgement last = rule.judge(metric, window == null ? new WindowSums() : window, baseline);
            long judgedStart = (metric.kind() == Metric.Kind.VOLUME ? slot - day + 1 : slot) * windowMs;
            AnomalyAlert alert = OutputRecords.alert(open, AlertStatus.RESOLVED, group.dimension(), group.group(),
                    last, rule.threshold(), judgedStart, (slot + 1) * windowMs, List.of(), watermark, null, OutputRecords.RESOLVED_EXPIRED);
            context.forward(new Record<>(open.alertId(), new GroupOutput(null, alert), watermark));
        }
    }

    private void forwardAlert(AnomalyAlert alert, long timestamp) {
        context.forward(new Record<>(alert.getAlertId(), new GroupOutput(null, alert), timestamp));
    }

    private void sendStats(Bytes windowKey, ChangedWindow w) {
        context.forward(new Record<>(OutputRecords.statsKey(w.group.dimension(), w.group.group(), w.start), new GroupOutput(
                OutputRecords.windowStats(w.group.dimension(), w.group.group(), w.start, w.start + windowMs, w.sums, w.changedAt), null), w.timestamp));
    }

    private Contributors currentContributors(String groupKey, long slot) {
        Contributors current = states.contributors(groupKey);
        return current != null && current.slot() == slot ? current : new Contributors(slot);
    }

    private WindowSums sums(String groupKey, long slot) {
        return states.window(windowKey(groupKey, slot));
    }

    /**
     * Forgets groups with no event for longer than every range spans (a retired prompt version, a
     * finished feature): their baseline, windows, contributors and episodes. Keeps state bounded by
     * the groups active in the last 8 days.
     */
    private void forgetQuietGroups(long releasedSlot, long watermark) {
        List<String> quiet = new ArrayList<>();
        List<RollingBaseline> quietBaselines = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = baselines.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> entry = all.next();
                RollingBaseline baseline = RollingBaseline.fromBytes(entry.value);
                if (baseline.currentSlot() < releasedSlot - week - day) {
                    quiet.add(entry.key);
                    quietBaselines.add(baseline);
                }
            }
        }
        for (int i = 0; i < quiet.size(); i++) {
            String groupKey = quiet.get(i);
            RollingBaseline baseline = quietBaselines.get(i);
            expireEpisodes(groupKey, baseline, watermark);
            forgetWindows(groupKey, Math.max(baseline.firstSlot(), baseline.oldestRetainedSlot()), baseline.currentSlot());
            baselines.delete(groupKey);
            contributors.delete(groupKey);
        }
        if (!quiet.isEmpty()) {
            LOG.info("Forgot {} groups quiet for more than {} windows", quiet.size(), week + day);
        }
    }

    /** Deletes the windows in [from, to]: no baseline range needs them any more (bounded retention). */
    private void forgetWindows(String groupKey, long from, long to) {
        for (long s = from; s <= to; s++) {
            states.deletedWindow(windowKey(groupKey, s));
        }
    }

    /** Key of a group's window in {@link #WINDOW_SUMS}: the group key, a 0 byte, the slot. */
    public static Bytes windowKey(String groupKey, long slot) {
        byte[] group = groupKey.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(group.length + 9).put(group).put((byte) 0).putLong(slot).array());
    }
}
