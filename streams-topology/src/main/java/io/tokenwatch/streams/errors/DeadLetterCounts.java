package io.tokenwatch.streams.errors;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records sent to the dead-letter topic, by reason, for one application (its topology, its intakes):
 * on {@code /metrics} as {@code tokenwatch_dlq_records_total{reason=...}}. Handed to the Kafka Streams
 * handlers through their configuration ({@link DeadLetterHandler#COUNTS_CONFIG}), not kept in a static.
 */
public final class DeadLetterCounts {
    private final Map<String, AtomicLong> byReason = new ConcurrentHashMap<>();

    /** Counts one more record of {@code reason}; returns how many of it so far. */
    public long increment(String reason) {
        return byReason.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
    }

    public long get(String reason) {
        AtomicLong count = byReason.get(reason);
        return count == null ? 0 : count.get();
    }

    /** How many records went to the dead-letter topic, by reason. */
    public Map<String, Long> snapshot() {
        Map<String, Long> snapshot = new TreeMap<>();
        byReason.forEach((reason, count) -> snapshot.put(reason, count.get()));
        return snapshot;
    }

    /** One counter per reason, zero until a record of it comes. */
    public DeadLetterCounts bindTo(MeterRegistry registry) {
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            FunctionCounter.builder("tokenwatch.dlq.records", this, counts -> counts.get(reason.id())).tag("reason", reason.id())
                    .description("Records sent to the dead-letter topic").register(registry);
        }
        return this;
    }
}
