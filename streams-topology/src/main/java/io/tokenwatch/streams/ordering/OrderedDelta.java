package io.tokenwatch.streams.ordering;

import io.tokenwatch.streams.topology.CallDelta;

/**
 * What a reorder buffer hands on, in memory: one delta with its place in event-time order (when the
 * change happened: the call for a new call, the decision for an outcome, the deadline for NONE), or a
 * {@link ProgressMarker#RELEASED} marker saying that everything before its watermark has been handed
 * on and that the deltas just handed on are all there is for now. Exactly one of delta and marker is set.
 */
public record OrderedDelta(CallDelta delta, long orderTime, ProgressMarker marker) {
    public static OrderedDelta of(CallDelta delta, long orderTime) {
        return new OrderedDelta(delta, orderTime, null);
    }

    public static OrderedDelta released(ProgressMarker marker) {
        return new OrderedDelta(null, marker.watermark(), marker);
    }

    public boolean isMarker() {
        return marker != null;
    }
}
