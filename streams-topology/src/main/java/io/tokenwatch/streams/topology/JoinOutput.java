package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.JoinedCall;
import io.tokenwatch.streams.ordering.ProgressMarker;

/**
 * What the join emits: a joined-call upsert, a batch of statistics deltas of one group or session
 * for the next stage, a progress marker for the tasks downstream, or a record it refuses after the fact
 * (to the dead-letter topic). Exactly one is set.
 */
public record JoinOutput(JoinedCall joined, DeltaBatcher.Stage stage, DeltaBatch batch, ProgressMarker marker, DeadLetter deadLetter) {
    static JoinOutput of(JoinedCall joined) {
        return new JoinOutput(joined, null, null, null, null);
    }

    static JoinOutput of(DeltaBatcher.Stage stage, DeltaBatch batch) {
        return new JoinOutput(null, stage, batch, null, null);
    }

    static JoinOutput of(ProgressMarker marker) {
        return new JoinOutput(null, null, null, marker, null);
    }

    static JoinOutput of(DeadLetter deadLetter) {
        return new JoinOutput(null, null, null, null, deadLetter);
    }
}
