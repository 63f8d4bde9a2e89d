package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.CallOutcome;
import io.tokenwatch.events.v1.LlmCall;

/** A call or an outcome on its way into the join (in memory only: both inputs share one processor). */
public record JoinInput(LlmCall call, CallOutcome outcome) {
    static JoinInput of(LlmCall call) {
        return new JoinInput(call, null);
    }

    static JoinInput of(CallOutcome outcome) {
        return new JoinInput(null, outcome);
    }
}
