package io.tokenwatch.streams.stats;

import io.tokenwatch.streams.stats.WindowSums.Field;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WindowSumsTest {

    @Test
    void sumsAreExactAndHeldAtTheLongRangeInsteadOfWrapping() {
        WindowSums sums = new WindowSums().add(Field.INPUT_TOKENS, 100_000_000).add(Field.INPUT_TOKENS, 23);
        assertThat(sums.get(Field.INPUT_TOKENS)).isEqualTo(100_000_023);
        sums.add(Field.INPUT_TOKENS, Long.MAX_VALUE - 10);
        assertThat(sums.get(Field.INPUT_TOKENS)).as("past the top: held, not negative").isEqualTo(Long.MAX_VALUE);
        WindowSums other = new WindowSums().add(Field.COST_NANOS, Long.MAX_VALUE);
        WindowSums merged = new WindowSums().add(Field.COST_NANOS, 5).addAll(other, 1);
        assertThat(merged.get(Field.COST_NANOS)).isEqualTo(Long.MAX_VALUE);
        assertThat(new WindowSums().add(Field.COST_NANOS, 7).addAll(new WindowSums().add(Field.COST_NANOS, 5), -1).get(Field.COST_NANOS)).isEqualTo(2);
    }
}
