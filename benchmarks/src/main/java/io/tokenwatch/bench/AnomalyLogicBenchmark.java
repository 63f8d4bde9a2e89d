package io.tokenwatch.bench;

import io.tokenwatch.streams.anomaly.AnomalyRule;
import io.tokenwatch.streams.anomaly.Judgement;
import io.tokenwatch.streams.anomaly.Metric;
import io.tokenwatch.streams.stats.RollingBaseline;
import io.tokenwatch.streams.stats.WindowSums;
import io.tokenwatch.streams.stats.WindowSums.Field;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Per-event cost of the anomaly logic (baseline update, every metric judged), as the baseline grows
 * from 1 hour to 7 days: it should stay flat. Every 100th event opens a new window, so the slide
 * (reads of the windows that enter and leave the ranges) is included.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AnomalyLogicBenchmark {
    @Param({"1", "24", "168"})
    int baselineHours;

    private final AnomalyRule rule = new AnomalyRule(0.30, 20, 200, 0, 24, 5.0);
    private final Map<Long, WindowSums> windows = new HashMap<>();
    private RollingBaseline baseline;
    private WindowSums delta;
    private long slot;
    private long events;

    @Setup
    public void fill() {
        baseline = RollingBaseline.startingAt(0, 168, 24);
        for (slot = 0; slot < baselineHours; slot++) {
            baseline.advanceTo(slot, windows::get);
            WindowSums w = sample(100);
            windows.put(slot, w);
            baseline.apply(slot, w);
        }
        baseline.advanceTo(slot, windows::get);
        windows.put(slot, new WindowSums());
        delta = sample(1);
    }

    private static WindowSums sample(int calls) {
        WindowSums w = new WindowSums().add(Field.CALLS, calls).add(Field.INPUT_TOKENS, 12_000L * calls).add(Field.OUTPUT_TOKENS, 900L * calls)
                .add(Field.CACHE_READ_TOKENS, 8_000L * calls).add(Field.COST_NANOS, 25_000_000L * calls).add(Field.RETRIED_CALLS, calls / 20)
                .add(Field.DECIDED, calls).add(Field.ACCEPTED, calls * 8 / 10).add(Field.DECIDED_COST_NANOS, 25_000_000L * calls)
                .add(Field.TOOL_CALLS, calls);
        for (int i = 0; i < calls; i++) {
            w.latency().record(1_500 + i * 7L % 2_000);
        }
        return w;
    }

    @Benchmark
    public void perEvent(Blackhole bh) {
        if (++events % 100 == 0) {
            slot++;
            baseline.advanceTo(slot, windows::get);
            windows.put(slot, new WindowSums());
            windows.remove(baseline.oldestRetainedSlot() - 1); // as the store forgets windows no range needs
        }
        baseline.apply(slot, delta);
        WindowSums current = windows.get(slot).addAll(delta, 1);
        for (Metric metric : Metric.values()) {
            Judgement j = rule.judge(metric, current, baseline);
            bh.consume(j.anomalous());
        }
    }
}
