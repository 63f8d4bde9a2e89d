package io.tokenwatch.streams.reconcile;

import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.ReconciliationHour;
import io.tokenwatch.events.v1.ReconciliationStatus;
import io.tokenwatch.producer.PriceCatalog;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class GapEpisodesTest {
    private static final PriceCatalog CATALOG = PriceCatalog.bundled();
    private static final Instant HOUR = Instant.parse("2026-11-26T08:00:00Z");

    /** gpt-4o: reported 1,000,000 input and 100,000 output tokens ($2.50 + $1.00); captured the given share of both. */
    private static ReconciliationHour hour(int n, double share) {
        ProviderUsage reported = new ProviderUsage("openai", "gpt-4o", HOUR.plusSeconds(3600L * n), 1_000_000, 100_000, 0, 0, 100L);
        ProviderUsage captured = new ProviderUsage("openai", "gpt-4o", reported.hour(), Math.round(1_000_000 * share), Math.round(100_000 * share), 0, 0,
                Math.round(100 * share));
        return HourComparison.compare("openai", "gpt-4o", reported.hour(), reported, captured, true, CATALOG, 0.05, Instant.EPOCH);
    }

    @Test
    void theToleranceDecidesAndOvercountingIsAGapToo() {
        assertThat(hour(0, 0.96).getStatus()).isEqualTo(ReconciliationStatus.MATCHED);
        ReconciliationHour short10 = hour(0, 0.90);
        assertThat(short10.getStatus()).isEqualTo(ReconciliationStatus.UNTRACKED);
        assertThat(short10.getReportedCostUsd()).isEqualTo(3.50);
        assertThat(short10.getGapCostUsd()).isEqualTo(0.35, org.assertj.core.data.Offset.offset(1e-9));
        ReconciliationHour doubled = hour(0, 2.0);
        assertThat(doubled.getStatus()).isEqualTo(ReconciliationStatus.OVERCOUNTED);
        assertThat(doubled.getGapCostUsd()).isEqualTo(-3.50, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void anEpisodeOpensEscalatesOnALargerGapAndResolvesOnAMatchedHour() {
        GapEpisodes episodes = new GapEpisodes();
        assertThat(decideAndApply(episodes, hour(0, 1.0)).update()).isNull();
        GapEpisodes.Decision opened = decideAndApply(episodes, hour(1, 0.90));
        assertThat(opened.update()).isEqualTo(AlertStatus.OPEN);
        assertThat(opened.alertId()).isEqualTo("openai|gpt-4o|capture_gap|2026-11-26T09:00:00Z");
        assertThat(decideAndApply(episodes, hour(2, 0.92)).update()).as("a smaller gap: same episode, nothing to say").isNull();
        GapEpisodes.Decision worse = decideAndApply(episodes, hour(3, 0.50));
        assertThat(worse.update()).isEqualTo(AlertStatus.ESCALATED);
        assertThat(worse.alertId()).isEqualTo(opened.alertId());
        GapEpisodes.Decision resolved = decideAndApply(episodes, hour(4, 1.0));
        assertThat(resolved.update()).isEqualTo(AlertStatus.RESOLVED);
        assertThat(resolved.alertId()).isEqualTo(opened.alertId());
        assertThat(decideAndApply(episodes, hour(5, 0.8)).alertId()).as("a new episode").isEqualTo("openai|gpt-4o|capture_gap|2026-11-26T13:00:00Z");
    }

    @Test
    void aDecisionNotAppliedLeavesTheEpisodeAsItWas() {
        GapEpisodes episodes = new GapEpisodes();
        decideAndApply(episodes, hour(1, 0.90));
        assertThat(episodes.decide(hour(2, 0.50)).update()).isEqualTo(AlertStatus.ESCALATED);
        // Its transaction aborted: the same hour, reconciled again, escalates again rather than saying nothing.
        assertThat(episodes.decide(hour(2, 0.50)).update()).isEqualTo(AlertStatus.ESCALATED);
        assertThat(episodes.decide(hour(2, 1.0)).update()).isEqualTo(AlertStatus.RESOLVED);
        assertThat(decideAndApply(episodes, hour(2, 1.0)).alertId()).isEqualTo("openai|gpt-4o|capture_gap|2026-11-26T09:00:00Z");
        assertThat(episodes.decide(hour(3, 1.0)).update()).as("resolved once applied").isNull();
    }

    private static GapEpisodes.Decision decideAndApply(GapEpisodes episodes, ReconciliationHour hour) {
        GapEpisodes.Decision decision = episodes.decide(hour);
        episodes.apply(hour, decision);
        return decision;
    }
}
