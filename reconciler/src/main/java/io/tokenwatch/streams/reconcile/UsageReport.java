package io.tokenwatch.streams.reconcile;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

/** A provider's usage report: hourly usage per model in [from, to), every page of it. */
interface UsageReport {
    String provider();

    List<ProviderUsage> hours(Instant from, Instant to) throws IOException, InterruptedException;
}
