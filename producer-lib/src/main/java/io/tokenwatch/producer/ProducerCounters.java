package io.tokenwatch.producer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What happened to the events a client was given. {@code sent} and {@code replayed} reached Kafka;
 * {@code spilled} went to the local file (and are replayed later); {@code dropped} are lost for good
 * (spill disabled or full, or the event could not be encoded: {@code unencodable}, a part of
 * {@code dropped}), each kind logged; {@code invalid} were refused at the call site.
 */
public final class ProducerCounters {
    final AtomicLong sent = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong spilled = new AtomicLong();
    final AtomicLong replayed = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong invalid = new AtomicLong();
    final AtomicLong unpriced = new AtomicLong();
    final AtomicLong unencodable = new AtomicLong();

    /** A consistent-enough snapshot for logs and tests. */
    public Snapshot snapshot() {
        return new Snapshot(sent.get(), failed.get(), spilled.get(), replayed.get(), dropped.get(), invalid.get(), unpriced.get(), unencodable.get());
    }

    /**
     * @param failed   send attempts that failed (the event was then spilled or dropped)
     * @param unpriced    calls whose model had no known price
     * @param unencodable dropped events that could not be encoded (never retried)
     */
    public record Snapshot(long sent, long failed, long spilled, long replayed, long dropped, long invalid, long unpriced, long unencodable) {
    }
}
