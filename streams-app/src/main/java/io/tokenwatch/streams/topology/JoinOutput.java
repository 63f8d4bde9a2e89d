package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.JoinedCall;
import io.tokenwatch.streams.ordering.ProgressMarker;

/**
 * What the join emits: a joined-call upsert and/or a statistics delta for one event, or a progress
 * marker for the tasks downstream, or a record it refuses after the fact (to the dead-letter topic).
 */
public record JoinOutput(JoinedCall joined, CallDelta delta, ProgressMarker marker, DeadLetter deadLetter) {
    static JoinOutput of(JoinedCall joined, CallDelta delta) {
        return new JoinOutput(joined, delta, null, null);
    }

    static JoinOutput of(ProgressMarker marker) {
        return new JoinOutput(null, null, marker, null);
    }

    static JoinOutput of(DeadLetter deadLetter) {
        return new JoinOutput(null, null, null, deadLetter);
    }
}
