package io.tokenwatch.streams.notify;

import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.schemas.Alerts;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class WebhookQueueTest {
    private static final Instant T0 = Instant.parse("2026-11-24T12:00:00Z");
    private final WebhookQueue queue = new WebhookQueue("default", Duration.ofSeconds(1), 5, Duration.ofSeconds(30));
    private long offset;

    private PendingAlert add(String group) {
        PendingAlert alert = new PendingAlert(Alerts.alert("task", group, "cost_per_call", AlertStatus.OPEN, 1.5),
                new TopicPartition("alerts", 0), offset++, null, null);
        queue.add(alert);
        return alert;
    }

    private WebhookQueue.Post post(Instant now) {
        return (WebhookQueue.Post) queue.next(now);
    }

    @Test
    void postsOneAtATimeInOrderAtMostOncePerInterval() {
        PendingAlert a = add("a");
        PendingAlert b = add("b");
        WebhookQueue.Post first = post(T0);
        assertThat(first.alerts()).containsExactly(a);
        assertThat(first.digest()).isFalse();
        queue.delivered(first, T0);
        assertThat(queue.next(T0.plusMillis(999))).isEqualTo(new WebhookQueue.WaitUntil(T0.plusSeconds(1)));
        assertThat(post(T0.plusSeconds(1)).alerts()).containsExactly(b);
    }

    @Test
    void retryAfterIsHonouredAndFailuresBackOffExponentiallyUpToTheCap() {
        add("a");
        assertThat(queue.failed(T0, Optional.of(Duration.ofSeconds(7)))).isEqualTo(Duration.ofSeconds(7));
        assertThat(queue.next(T0.plusSeconds(6))).isEqualTo(new WebhookQueue.WaitUntil(T0.plusSeconds(7)));
        assertThat(queue.failed(T0, Optional.empty())).isEqualTo(Duration.ofSeconds(2));
        assertThat(queue.failed(T0, Optional.empty())).isEqualTo(Duration.ofSeconds(4));
        for (int i = 0; i < 10; i++) {
            queue.failed(T0, Optional.empty());
        }
        assertThat(queue.failed(T0, Optional.empty())).isEqualTo(Duration.ofSeconds(30));
        WebhookQueue.Post retry = post(T0.plusSeconds(30));
        queue.delivered(retry, T0.plusSeconds(30));
        add("b");
        assertThat(post(T0.plusSeconds(31)).alerts()).hasSize(1); // success resets the backoff
    }

    @Test
    void moreThanTheStormLimitInAMinuteBecomesOneDigestThenAtMostOneDigestAMinute() {
        for (int i = 0; i < 4; i++) {
            add("single-" + i);
            queue.delivered(post(T0.plusSeconds(i)), T0.plusSeconds(i));
        }
        for (int i = 0; i < 12; i++) {
            add("storm-" + i);
        }
        WebhookQueue.Post digest = post(T0.plusSeconds(4));
        assertThat(digest.digest()).isTrue();
        assertThat(digest.alerts()).hasSize(12);
        queue.delivered(digest, T0.plusSeconds(4));
        add("late");
        // 16 delivered within the minute: the next alert waits for the next digest slot.
        assertThat(queue.next(T0.plusSeconds(10))).isEqualTo(new WebhookQueue.WaitUntil(T0.plusSeconds(64)));
        // A minute later the storm is over: back to single messages.
        WebhookQueue.Post after = post(T0.plusSeconds(64));
        assertThat(after.digest()).isFalse();
        assertThat(after.alerts()).hasSize(1);
    }

    @Test
    void rejectedAlertsLeaveTheQueue() {
        add("a");
        queue.rejected(post(T0), T0);
        assertThat(queue.next(T0.plusSeconds(5))).isEqualTo(new WebhookQueue.Idle());
    }
}
