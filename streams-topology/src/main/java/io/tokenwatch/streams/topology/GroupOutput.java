package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.events.v1.GroupWindowStats;

/** One output of the group processor: window stats or an alert update (exactly one is set). */
public record GroupOutput(GroupWindowStats stats, AnomalyAlert alert) {
}
