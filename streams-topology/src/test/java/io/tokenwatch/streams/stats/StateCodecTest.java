package io.tokenwatch.streams.stats;

import io.tokenwatch.streams.stats.WindowSums.Field;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The state codecs round-trip every value, including ones far larger than the buffers start with. */
class StateCodecTest {

    @Test
    void windowSumsWithExtremeValuesAndAFullLatencyHistogramRoundTrip() {
        WindowSums sums = new WindowSums();
        long big = Long.MAX_VALUE / 4;
        for (Field field : Field.values()) {
            sums.add(field, big - field.ordinal());
        }
        for (long ms = 1; ms < 3_600_000; ms = ms * 3 / 2 + 1) {
            sums.latency().record(ms);
        }
        byte[] bytes = sums.toBytes();
        assertThat(WindowSums.fromBytes(bytes)).isEqualTo(sums);
        assertThat(bytes.length).as("well past the 128-byte initial buffer").isGreaterThan(200);
    }

    @Test
    void baselineRoundTripsItsThreeRangesAndSlots() {
        RollingBaseline baseline = RollingBaseline.startingAt(493_000, 168, 24);
        WindowSums delta = new WindowSums().add(Field.CALLS, 3).add(Field.INPUT_TOKENS, 42_000_000_000L);
        delta.latency().record(2_500);
        baseline.apply(493_000, delta);
        byte[] bytes = baseline.toBytes();
        RollingBaseline back = RollingBaseline.fromBytes(bytes);
        assertThat(back.currentSlot()).isEqualTo(493_000);
        assertThat(back.lastDay()).isEqualTo(baseline.lastDay());
        assertThat(back.previousWeek()).isEqualTo(baseline.previousWeek());
        assertThat(back.toBytes()).isEqualTo(bytes);
    }

    @Test
    void aStoredValueOfAnUnknownFormatIsRefusedByName() {
        byte[] bytes = new WindowSums().add(Field.CALLS, 1).toBytes();
        bytes[0] = 9; // as a later version might write it
        assertThatThrownBy(() -> WindowSums.fromBytes(bytes)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Unknown window sums format 9 (this version reads format 1)");
    }
}
