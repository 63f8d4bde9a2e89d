package io.tokenwatch.streams.topology;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.schemas.Alerts;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class PipelineMetricsTest {

    @Test
    void anAlertOnHoursOldEventsCountsAsBacklogNotInTheLiveDelay() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PipelineMetrics metrics = new PipelineMetrics(registry);
        metrics.alert(updatedAgo(Duration.ofSeconds(2)));
        metrics.alert(updatedAgo(Duration.ofHours(3)));
        metrics.alert(updatedAgo(Duration.ofMinutes(14)));

        Timer live = registry.get("tokenwatch.alert.delay").tag("traffic", "live").timer();
        Timer backlog = registry.get("tokenwatch.alert.delay").tag("traffic", "backlog").timer();
        assertThat(live.count()).isEqualTo(2);
        assertThat(live.max(TimeUnit.SECONDS)).isCloseTo(14 * 60, within(5.0));
        assertThat(backlog.count()).isEqualTo(1);
        assertThat(backlog.max(TimeUnit.SECONDS)).isCloseTo(3 * 3600, within(5.0));
    }

    private static AnomalyAlert updatedAgo(Duration ago) {
        AnomalyAlert alert = Alerts.alert("task", "code-review", "tokens_per_call", AlertStatus.OPEN, 1.5);
        alert.setUpdatedAt(Instant.now().minus(ago));
        return alert;
    }
}
