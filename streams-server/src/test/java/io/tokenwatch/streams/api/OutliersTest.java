package io.tokenwatch.streams.api;

import io.tokenwatch.streams.api.GroupSnapshot.MetricReading;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class OutliersTest {
    private static final Instant HOUR = Instant.parse("2026-11-24T10:00:00Z");

    private static GroupSnapshot group(String name, double cost24h, long decided, long accepted, double retryRate, double tokensRatio) {
        Double costPerAccepted = accepted == 0 ? null : cost24h / accepted;
        return new GroupSnapshot("task", name, HOUR, 25, cost24h / 24, 600, cost24h, decided, accepted, costPerAccepted,
                decided == 0 ? null : (double) accepted / decided, 168, List.of(
                new MetricReading("retry_rate", retryRate, 0.02, retryRate / 0.02, true, retryRate / 0.02 >= 1.3),
                new MetricReading("tokens_per_call", 1_000 * tokensRatio, 1_000.0, tokensRatio, true, tokensRatio >= 1.3)));
    }

    private final List<GroupSnapshot> groups = List.of(
            group("big-spender", 400, 500, 475, 0.01, 1.05),
            group("expensive-per-accept", 120, 300, 30, 0.02, 0.9),
            group("jumped", 60, 200, 180, 0.10, 2.4),
            group("undecided", 90, 5, 1, 0.0, 1.0));

    @Test
    void ranksBySpendOrByCostPerAcceptedOutcome() {
        assertThat(Outliers.of(groups, Outliers.SortBy.SPEND, 10).highestCost()).extracting(GroupSnapshot::group)
                .containsExactly("big-spender", "expensive-per-accept", "undecided", "jumped");
        // 120/30 = $4.00, 90/1 = $90, 400/475 = $0.84, 60/180 = $0.33 per accepted outcome.
        assertThat(Outliers.of(groups, Outliers.SortBy.COST_PER_ACCEPTED, 2).highestCost()).extracting(GroupSnapshot::group)
                .containsExactly("undecided", "expensive-per-accept");
    }

    @Test
    void jumpsRetriesAndAcceptanceHaveTheirOwnOrder() {
        Outliers outliers = Outliers.of(groups, Outliers.SortBy.SPEND, 10);
        assertThat(outliers.suddenJumps().get(0)).isEqualTo(new Outliers.Jump("task", "jumped", "retry_rate", 0.10, 0.02, 5.0, true));
        assertThat(outliers.suddenJumps().get(1).metric()).isEqualTo("tokens_per_call");
        assertThat(outliers.suddenJumps()).noneMatch(j -> j.ratio() <= 1);
        assertThat(outliers.highRetryRate()).extracting(GroupSnapshot::group).containsExactly("jumped", "expensive-per-accept", "big-spender");
        // "undecided" has too few decided calls (5 < 20) to rank on acceptance.
        assertThat(outliers.lowAcceptance()).extracting(GroupSnapshot::group).containsExactly("expensive-per-accept", "jumped", "big-spender");
    }
}
