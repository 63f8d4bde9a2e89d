package io.tokenwatch.streams.stats;

import io.tokenwatch.streams.stats.WindowSums.Field;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class RollingBaselineTest {
    private static final int WEEK = 168;
    private static final int DAY = 24;

    @Test
    void slidingSumsEqualABruteForceRecountOverThreeWeeksOfIrregularTraffic() {
        Random random = new Random(42);
        Map<Long, WindowSums> windows = new HashMap<>();
        long slot = 1_000;
        RollingBaseline baseline = RollingBaseline.startingAt(slot, WEEK, DAY);
        for (int event = 0; event < 20_000; event++) {
            // Mostly forward in time, with gaps of up to 9 days, and late updates up to 30 windows back.
            int step = random.nextInt(100);
            if (step < 3) {
                slot += random.nextInt(24);
            } else if (step == 3) {
                slot += 200 + random.nextInt(20);
            }
            long target = random.nextInt(10) == 0 ? slot - random.nextInt(30) : slot;
            baseline.advanceTo(slot, s -> windows.get(s));
            WindowSums delta = new WindowSums().add(Field.CALLS, 1).add(Field.INPUT_TOKENS, random.nextInt(5_000));
            delta.latency().record(random.nextInt(4_000));
            if (baseline.apply(target, delta)) {
                windows.computeIfAbsent(target, s -> new WindowSums()).addAll(delta, 1);
            }
            if (event % 97 == 0) {
                assertThat(baseline.previousWeek()).isEqualTo(recount(windows, slot - WEEK, slot - 1));
                assertThat(baseline.lastDay()).isEqualTo(recount(windows, slot - DAY + 1, slot));
                assertThat(baseline.weekBeforeLastDay()).isEqualTo(recount(windows, slot - DAY - WEEK + 1, slot - DAY));
                assertThat(RollingBaseline.fromBytes(baseline.toBytes()).previousWeek()).isEqualTo(baseline.previousWeek());
            }
        }
    }

    @Test
    void advancingReadsOnlyTheWindowsThatEnterOrLeaveARange() {
        Map<Long, WindowSums> windows = new HashMap<>();
        RollingBaseline baseline = RollingBaseline.startingAt(0, WEEK, DAY);
        AtomicInteger reads = new AtomicInteger();
        for (long slot = 0; slot < 24 * 30; slot++) {
            reads.set(0);
            baseline.advanceTo(slot, s -> {
                reads.incrementAndGet();
                return windows.get(s);
            });
            WindowSums delta = new WindowSums().add(Field.CALLS, 10);
            baseline.apply(slot, delta);
            windows.computeIfAbsent(slot, s -> new WindowSums()).addAll(delta, 1);
            // One window enters or leaves each of the three ranges: at most 6 reads, whatever the history length.
            assertThat(reads.get()).isLessThanOrEqualTo(6);
        }
        assertThat(baseline.previousWeek().get(Field.CALLS)).isEqualTo(WEEK * 10);
        assertThat(baseline.previousWeekSlots()).isEqualTo(WEEK);
        assertThat(baseline.weekBeforeLastDaySlots()).isEqualTo(WEEK);
    }

    private static WindowSums recount(Map<Long, WindowSums> windows, long from, long to) {
        WindowSums sum = new WindowSums();
        windows.forEach((s, w) -> {
            if (s >= from && s <= to) {
                sum.addAll(w, 1);
            }
        });
        return sum;
    }
}
