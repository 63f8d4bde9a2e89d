package io.tokenwatch.streams.demo;

import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/** What {@code demo} and {@code generate} share: the workload's seed, the incidents to inject, how long to run. */
final class WorkloadOptions {
    @Option(names = "--seed", defaultValue = "42", description = "Workload seed; the same seed gives the same traffic (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--incidents", defaultValue = "all",
            description = "Incidents to inject, comma-separated: context-growth, retry-storm, cache-break, spend-spike, rejection-surge; 'all' or 'none' (default: ${DEFAULT-VALUE}).")
    String incidents;

    @Option(names = "--duration", description = "Stop after this long, e.g. 120s or 5m (default: until Ctrl-C / SIGTERM).")
    String duration;

    Set<Incident> chosenIncidents() {
        return DemoCommand.parseIncidents(incidents);
    }

    Optional<Duration> runFor() {
        return Optional.ofNullable(duration).map(d -> DemoCommand.parseDuration("--duration", d));
    }
}
