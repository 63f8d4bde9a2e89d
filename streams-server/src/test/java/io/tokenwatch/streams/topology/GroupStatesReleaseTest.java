package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.events.v1.GroupWindowStats;
import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.OutcomeState;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.streams.anomaly.EpisodePolicy;
import io.tokenwatch.streams.config.PipelineSettings;
import io.tokenwatch.streams.ordering.OrderedDelta;
import io.tokenwatch.streams.ordering.ProgressMarker;
import io.tokenwatch.streams.support.MockStores;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.IntSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The detector writes each group's state once per release: whatever the release boundaries (one delta
 * each, as live processing gives, or hundreds, as a catch-up gives), the same released sequence gives
 * the same alerts, the same latest stats of every window and byte-identical stores.
 */
class GroupStatesReleaseTest {
    private static final Instant START = Instant.parse("2026-11-01T00:00:00Z");
    private static final List<String> TASKS = List.of("code-review", "triage", "summarise", "plan", "search", "translate");

    private record Outcome(List<AnomalyAlert> alerts, Map<String, GroupWindowStats> lastStats, Map<String, ByteBuffer> state) {
    }

    @Test
    void releaseBoundariesChangeNeitherAlertsNorStatsNorState() {
        List<OrderedDelta> sequence = tenDaysWithASpike(new Random(42));
        Outcome live = run(sequence, () -> 1);
        assertThat(live.alerts()).as("the spike opens alerts").hasSizeGreaterThan(3);
        for (long seed = 1; seed <= 3; seed++) {
            Random sizes = new Random(seed);
            Outcome batched = run(sequence, () -> 1 + sizes.nextInt(800));
            assertThat(batched.alerts()).as("alerts, seed " + seed).isEqualTo(live.alerts());
            assertThat(batched.lastStats()).as("latest stats of every window, seed " + seed).isEqualTo(live.lastStats());
            assertThat(batched.state()).as("every store, seed " + seed).isEqualTo(live.state());
        }
        Outcome oneRelease = run(sequence, () -> Integer.MAX_VALUE);
        assertThat(oneRelease.alerts()).as("the whole sequence in one release").isEqualTo(live.alerts());
        assertThat(oneRelease.state()).isEqualTo(live.state());
    }

    /** Ten days of six tasks, each call decided a little later (outcome deltas, some for earlier windows), and one task's tokens tripled on the last day. */
    private static List<OrderedDelta> tenDaysWithASpike(Random random) {
        List<OrderedDelta> deltas = new ArrayList<>();
        int seq = 0;
        for (int hour = 0; hour < 24 * 10; hour++) {
            for (String task : TASKS) {
                int calls = 15 + random.nextInt(15);
                for (int i = 0; i < calls; i++) {
                    Instant at = START.plus(Duration.ofHours(hour)).plusSeconds(random.nextInt(3_600));
                    long input = 8_000 + random.nextInt(4_000);
                    if (task.equals("code-review") && hour >= 24 * 9 + 6) {
                        input *= 3;
                    }
                    LlmCall call = LlmCall.newBuilder().setCallId("call-" + (++seq)).setTimestamp(at).setProvider("anthropic")
                            .setModel(random.nextBoolean() ? "claude-sonnet-4-5" : "claude-haiku-4-5").setTask(task).setTeam("platform")
                            .setFeature("pr-bot").setPromptVersion("v1").setInputTokens(input).setOutputTokens(800 + random.nextInt(400))
                            .setCostUsd(new BigDecimal("0.010000000")).setLatencyMs(900 + random.nextInt(600)).setRetryCount(random.nextInt(10) == 0 ? 1 : 0)
                            .setToolCalls(random.nextInt(3)).build();
                    deltas.add(OrderedDelta.of(CallDelta.newCall(call), at.toEpochMilli()));
                    Instant decided = at.plusSeconds(600 + random.nextInt(3_600));
                    OutcomeState state = random.nextInt(5) == 0 ? OutcomeState.REJECTED : OutcomeState.ACCEPTED;
                    deltas.add(OrderedDelta.of(CallDelta.outcomeChange(call, null, state), decided.toEpochMilli()));
                }
            }
        }
        deltas.sort(Comparator.comparingLong(OrderedDelta::orderTime).thenComparing(d -> d.delta().callId()));
        return deltas;
    }

    private static Outcome run(List<OrderedDelta> sequence, IntSupplier releaseSizes) {
        PipelineSettings pipeline = PipelineSettings.of(TokenwatchConfig.of(Map.of("bootstrap.servers", "unused:9092", "schema.registry.url", "mock://release")));
        GroupAnomalyDetector detector = new GroupAnomalyDetector(pipeline.windowSize, pipeline.anomalyRule(),
                new EpisodePolicy(pipeline.threshold, pipeline.severitySteps, pipeline.windowSize.toMillis()), pipeline.metrics, () -> (topic, bytes) -> null);
        MockProcessorContext<String, GroupOutput> context = new MockProcessorContext<>();
        MockStores.addEmpty(context, GroupAnomalyDetector.WINDOW_SUMS, Serdes.Bytes(), Serdes.ByteArray());
        for (String store : List.of(GroupAnomalyDetector.BASELINES, GroupAnomalyDetector.CONTRIBUTORS, GroupAnomalyDetector.EPISODES,
                BudgetTracker.SPEND, BudgetTracker.BUDGETS)) {
            MockStores.addEmpty(context, store, Serdes.String(), Serdes.ByteArray());
        }
        detector.init(context);
        int left = releaseSizes.getAsInt();
        for (OrderedDelta delta : sequence) {
            detector.process(new Record<>("task|" + delta.delta().attribution().get(CallDelta.Attribute.TASK), delta,
                    delta.delta().timestamp()));
            if (--left == 0) {
                release(detector, delta.orderTime());
                left = releaseSizes.getAsInt();
            }
        }
        release(detector, sequence.get(sequence.size() - 1).orderTime());
        List<AnomalyAlert> alerts = new ArrayList<>();
        Map<String, GroupWindowStats> lastStats = new TreeMap<>();
        for (var forwarded : context.forwarded()) {
            GroupOutput output = forwarded.record().value();
            if (output.alert() != null) {
                alerts.add(output.alert());
            } else {
                lastStats.put(forwarded.record().key(), output.stats());
            }
        }
        Map<String, ByteBuffer> state = new TreeMap<>();
        KeyValueStore<Bytes, byte[]> windows = context.getStateStore(GroupAnomalyDetector.WINDOW_SUMS);
        try (KeyValueIterator<Bytes, byte[]> all = windows.all()) {
            all.forEachRemaining(e -> state.put("window " + e.key, ByteBuffer.wrap(e.value)));
        }
        for (String name : List.of(GroupAnomalyDetector.BASELINES, GroupAnomalyDetector.CONTRIBUTORS, GroupAnomalyDetector.EPISODES, BudgetTracker.SPEND)) {
            KeyValueStore<String, byte[]> store = context.getStateStore(name);
            try (KeyValueIterator<String, byte[]> all = store.all()) {
                all.forEachRemaining((KeyValue<String, byte[]> e) -> state.put(name + " " + e.key, ByteBuffer.wrap(e.value)));
            }
        }
        return new Outcome(alerts, lastStats, state);
    }

    private static void release(GroupAnomalyDetector detector, long watermark) {
        detector.process(new Record<>("", OrderedDelta.released(new ProgressMarker(ProgressMarker.RELEASED, 1, watermark, false)), watermark));
    }
}
