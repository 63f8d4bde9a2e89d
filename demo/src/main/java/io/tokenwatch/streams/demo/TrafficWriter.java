package io.tokenwatch.streams.demo;

import io.tokenwatch.producer.TokenwatchClient;
import io.tokenwatch.streams.reconcile.ProviderUsage;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Writes the modelled workload through producer-lib in event-time order: calls as they happen and
 * each outcome once its decision time has come. Used by {@code demo} (embedded broker) and
 * {@code generate} (an existing cluster).
 */
final class TrafficWriter {
    /** Called after each hour of history with the hours done, the hours in all and the calls written. */
    interface HistoryProgress {
        void hourDone(long done, long hours, long calls);
    }

    private final TokenwatchClient client;
    private final Workload workload;
    private final PriorityQueue<Workload.PlannedCall> pendingOutcomes = new PriorityQueue<>(Comparator.comparing(Workload.PlannedCall::decidedAt));
    /** Every call the workload makes, as its provider bills it (hidden or not): the demo's usage-report stand-ins. */
    private final Consumer<ProviderUsage> billing;
    /** Read by the demo's reconciler as its clock, from another thread. */
    private volatile Instant cursor;
    private long calls;

    TrafficWriter(TokenwatchClient client, long seed, Instant start) {
        this(client, seed, start, billed -> { });
    }

    TrafficWriter(TokenwatchClient client, long seed, Instant start, Consumer<ProviderUsage> billing) {
        this.client = client;
        this.billing = billing;
        // A run starting at another instant gets other call ids: a restart or a second generator never writes duplicates.
        this.workload = new Workload(seed, Long.toString(start.getEpochSecond(), 36));
        this.cursor = start;
    }

    /** Writes {@code length} of ordinary traffic (no incidents) from the cursor, as fast as Kafka takes it. */
    void history(Duration length, HistoryProgress progress) throws InterruptedException {
        history(length, progress, hour -> Set.of());
    }

    /** The same, with the incidents {@code activeAt} gives for each hour (those that run from the history on). */
    void history(Duration length, HistoryProgress progress, Function<Instant, Set<Incident>> activeAt) throws InterruptedException {
        long hours = length.toHours();
        for (long h = 0; h < hours; h++) {
            advanceTo(cursor.plus(Duration.ofHours(1)), activeAt.apply(cursor));
            // Each hour on the broker before the next: a producer with a backlog sends the small outcome records ahead of the
            // calls, and outcomes a day ahead of their calls would be judged as the join judges any input that far out of step.
            client.flush(Duration.ofMinutes(1));
            progress.hourDone(h + 1, hours, calls);
        }
    }

    /** Writes the calls planned between the cursor and {@code eventNow}, with the incidents in {@code active}. */
    void advanceTo(Instant eventNow, Set<Incident> active) {
        for (Workload.PlannedCall call : workload.between(cursor, eventNow, active)) {
            emitOutcomesUpTo(call.at());
            billing.accept(call.billed());
            client.recordCall(call.report());
            calls++;
            if (call.outcome() != null) {
                pendingOutcomes.add(call);
            }
        }
        emitOutcomesUpTo(eventNow);
        workload.untrackedBetween(cursor, eventNow, active).forEach(billing);
        cursor = eventNow;
    }

    Instant cursor() {
        return cursor;
    }

    long calls() {
        return calls;
    }

    private void emitOutcomesUpTo(Instant upTo) {
        while (!pendingOutcomes.isEmpty() && !pendingOutcomes.peek().decidedAt().isAfter(upTo)) {
            Workload.PlannedCall c = pendingOutcomes.poll();
            client.recordOutcome(c.callId(), c.outcome(), c.outcome().name().startsWith("ESC") ? "ci" : "reviewer", null, c.decidedAt());
        }
    }
}
