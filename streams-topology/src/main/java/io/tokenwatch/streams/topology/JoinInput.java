package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.CallOutcome;
import io.tokenwatch.events.v1.LlmCall;

/**
 * A call or an outcome on its way into the join (in memory only: both inputs share one processor),
 * with the record's original bytes so an outcome the join gives up on later reaches the dead-letter
 * topic exactly as it was sent.
 */
public record JoinInput(LlmCall call, CallOutcome outcome, byte[] original) {
    static JoinInput of(LlmCall call, byte[] original) {
        return new JoinInput(call, null, original);
    }

    static JoinInput of(CallOutcome outcome, byte[] original) {
        return new JoinInput(null, outcome, original);
    }
}
