package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.JoinedCall;

/** What the join emits for one event: a joined-call upsert, a statistics delta, or both. */
public record JoinOutput(JoinedCall joined, CallDelta delta) {
}
