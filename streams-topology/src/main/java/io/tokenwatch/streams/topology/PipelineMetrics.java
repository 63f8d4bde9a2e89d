package io.tokenwatch.streams.topology;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.streams.errors.DeadLetterCounts;

import java.time.Duration;

/**
 * The pipeline's own counters, next to Kafka Streams' client metrics on {@code /metrics}: events in
 * by type, joined calls, unpriced calls, alert updates by metric and status, and the end-to-end delay
 * from the event that triggered an alert update to the update being produced, live traffic apart
 * from backlog (a 7-day catch-up would otherwise put days into the live figure).
 */
public final class PipelineMetrics {
    private final MeterRegistry registry;
    private final Counter callsIn;
    private final Counter outcomesIn;
    private final Counter joined;
    private final Counter unpriced;
    private final Counter takenOnArrival;
    private final DeadLetterCounts deadLetters;
    /** An alert later than this after its event was not raised on live traffic but on a backlog being caught up. */
    public static final Duration LIVE_WITHIN = Duration.ofMinutes(15);

    private final Timer liveAlertDelay;
    private final Timer backlogAlertDelay;

    public PipelineMetrics(MeterRegistry registry) {
        this.registry = registry;
        callsIn = Counter.builder("tokenwatch.events.in").tag("type", "call").description("Events read (before validation)").register(registry);
        outcomesIn = Counter.builder("tokenwatch.events.in").tag("type", "outcome").description("Events read (before validation)").register(registry);
        joined = Counter.builder("tokenwatch.calls.joined").description("Joined calls written (with an outcome, or NONE at window close)").register(registry);
        unpriced = Counter.builder("tokenwatch.calls.unpriced").description("Calls of models without a known price (no cost counted)").register(registry);
        takenOnArrival = Counter.builder("tokenwatch.deltas.taken.on.arrival").description("Deltas from a join task that was idle and resumed with"
                + " events older than what was already judged: taken as they arrived, as live processing would").register(registry);
        deadLetters = new DeadLetterCounts().bindTo(registry);
        liveAlertDelay = alertDelay(registry, "live");
        backlogAlertDelay = alertDelay(registry, "backlog");
    }

    private static Timer alertDelay(MeterRegistry registry, String traffic) {
        return Timer.builder("tokenwatch.alert.delay").tag("traffic", traffic)
                .description("Wall-clock time from the triggering event's timestamp to the alert update; traffic=backlog when that is over "
                        + LIVE_WITHIN.toMinutes() + " min (history caught up or replayed, not what a live user waits)")
                .publishPercentiles(0.5, 0.99).publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(10))
                .maximumExpectedValue(Duration.ofMinutes(10)).register(registry);
    }

    /** Records sent to the dead-letter topic, by reason: for the topology's processors and its Kafka Streams handlers. */
    public DeadLetterCounts deadLetters() {
        return deadLetters;
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void callIn(boolean priced) {
        callsIn.increment();
        if (!priced) {
            unpriced.increment();
        }
    }

    public void outcomeIn() {
        outcomesIn.increment();
    }

    /** {@code deltas} arrived behind the released watermark and were taken as they arrived. */
    public void takenOnArrival(long deltas) {
        takenOnArrival.increment(deltas);
    }

    public void joined() {
        joined.increment();
    }

    public void alert(AnomalyAlert alert) {
        Counter.builder("tokenwatch.alerts").tag("metric", alert.getMetric()).tag("status", alert.getStatus().name())
                .description("Alert updates produced").register(registry).increment();
        Duration delay = Duration.ofMillis(Math.max(0, System.currentTimeMillis() - alert.getUpdatedAt().toEpochMilli()));
        (delay.compareTo(LIVE_WITHIN) <= 0 ? liveAlertDelay : backlogAlertDelay).record(delay);
    }
}
