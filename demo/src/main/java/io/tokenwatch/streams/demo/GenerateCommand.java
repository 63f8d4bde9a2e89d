package io.tokenwatch.streams.demo;

import io.tokenwatch.otlp.IntakeClient;
import io.tokenwatch.producer.ProducerCounters;
import io.tokenwatch.producer.TokenwatchClient;
import io.tokenwatch.runtime.config.ConfigOptions;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.kafka.Preflight;
import io.tokenwatch.runtime.kafka.TopicSetup;
import io.tokenwatch.streams.cli.ProgressLine;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.IsolationLevel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The demo's modelled traffic against an existing cluster (e.g. the compose stack), in real time:
 * optionally a week of history first (only into an empty calls topic, so a restart does not write it
 * twice), then live calls and outcomes, with incidents that start and end on a schedule.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Write synthetic LLM call and outcome events (the demo's workload) to an existing cluster, in real time.")
public final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Mixin
    WorkloadOptions workload;

    @Option(names = "--history", defaultValue = "168h", description = "History to backfill before live traffic when the calls topic is empty; 0s for none (default: ${DEFAULT-VALUE}).")
    String history;

    @Option(names = "--first-incident-after", defaultValue = "15m", description = "Time from the start of live traffic to the first incident (default: ${DEFAULT-VALUE}).")
    String firstIncidentAfter;

    @Option(names = "--incident-spacing", defaultValue = "20m", description = "Time between incident starts (default: ${DEFAULT-VALUE}).")
    String incidentSpacing;

    @Option(names = "--incident-length", defaultValue = "15m", description = "How long each incident lasts (default: ${DEFAULT-VALUE}).")
    String incidentLength;

    @Option(names = "--spill-dir", description = "Where events wait while Kafka is unreachable; the next run replays them (default: ${DEFAULT-VALUE}).")
    Path spillDir = Path.of(System.getProperty("java.io.tmpdir"), "tokenwatch-generate-spill");

    private final CountDownLatch stop = new CountDownLatch(1);
    @Spec
    CommandSpec spec;
    private PrintWriter out;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        TokenwatchConfig config = options.load();
        Duration backfill = DemoCommand.parseDuration("--history", history);
        // The untracked spend needs the demo's usage-report stand-ins; the budget breach comes with the spend spike.
        Set<Incident> chosen = workload.chosenIncidents().stream().filter(Incident::live)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Incident.class)));
        long firstAfter = DemoCommand.parseDuration("--first-incident-after", firstIncidentAfter).toMillis();
        long spacing = DemoCommand.parseDuration("--incident-spacing", incidentSpacing).toMillis();
        long length = DemoCommand.parseDuration("--incident-length", incidentLength).toMillis();
        Long runFor = workload.runFor().map(Duration::toMillis).orElse(null);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "tokenwatch-generate-stop"));

        boolean emptyCallsTopic;
        try (Admin admin = Preflight.reachableAdmin(config)) {
            TopicSetup.ensureTopics(admin, config);
            emptyCallsTopic = TopicSetup.endOffsetSum(admin, config.callsTopic, IsolationLevel.READ_UNCOMMITTED) == 0;
        }
        Preflight.requireRegistry(config);
        Files.createDirectories(spillDir);
        TokenwatchClient.Builder builder = IntakeClient.builder(config, spillDir).queueCapacity(50_000);
        Instant now = Instant.now();
        long began = System.nanoTime();
        TrafficWriter traffic;
        ProducerCounters.Snapshot sent;
        try (TokenwatchClient client = builder.build()) {
            boolean backfilling = emptyCallsTopic && !backfill.isZero();
            traffic = new TrafficWriter(client, workload.seed, backfilling ? now.minus(backfill) : now);
            if (backfilling) {
                out.printf("Writing %s of history into %s and %s ...%n", backfill, config.callsTopic, config.outcomesTopic);
                ProgressLine history = new ProgressLine(out, System.console() != null, "history");
                traffic.history(backfill, (done, hours, calls) -> history.update(done, hours, String.format(Locale.ROOT, "%,d calls, hour %d/%d", calls, done, hours)));
                history.finish();
            } else if (!backfill.isZero()) {
                out.println(config.callsTopic + " already has records: no history backfill (--history 0s skips it)");
            }
            out.printf("Writing live traffic to %s and %s at %s%s; Ctrl-C stops%n", config.callsTopic, config.outcomesTopic,
                    config.kafkaProperties().get("bootstrap.servers"), chosen.isEmpty() ? ", no incidents"
                            : ", first incident (" + chosen.iterator().next().id() + ") after " + firstIncidentAfter);
            runLive(traffic, new ArrayList<>(chosen), firstAfter, spacing, length, runFor);
            client.flush(Duration.ofSeconds(30));
            sent = client.counts();
        }
        out.printf(Locale.ROOT, "Wrote %,d calls in %.0f s: %,d events sent, %,d spilled to %s for the next run, %,d dropped%n", traffic.calls(),
                (System.nanoTime() - began) / 1e9, sent.sent(), sent.spilled(), spillDir, sent.dropped());
        // The spill directory is kept only while it holds events a later run will replay.
        TokenwatchClient.removeSpillDirectoryIfEmpty(spillDir);
        return 0;
    }

    private void runLive(TrafficWriter traffic, List<Incident> schedule, long firstAfter, long spacing, long length, Long runFor)
            throws InterruptedException {
        long start = System.currentTimeMillis();
        long nextReport = start + 10_000;
        Set<Incident> active = EnumSet.noneOf(Incident.class);
        while (!stop.await(500, TimeUnit.MILLISECONDS)) {
            long now = System.currentTimeMillis();
            if (runFor != null && now - start >= runFor) {
                break;
            }
            for (int i = 0; i < schedule.size(); i++) {
                Incident incident = schedule.get(i);
                long begins = start + firstAfter + i * spacing;
                boolean shouldRun = now >= begins && now < begins + length;
                if (shouldRun && active.add(incident)) {
                    out.printf("Incident started: %s on task %s%n", incident.id(), incident.task);
                } else if (!shouldRun && active.remove(incident)) {
                    out.printf("Incident ended: %s%n", incident.id());
                }
            }
            // Live event time follows the wall clock (the broker refuses timestamps from the future).
            traffic.advanceTo(Instant.ofEpochMilli(Math.max(now, traffic.cursor().toEpochMilli())), active);
            if (now >= nextReport) {
                out.printf(Locale.ROOT, "live: %,d calls written; active incidents %s%n", traffic.calls(), active);
                out.flush();
                nextReport = now + 10_000;
            }
        }
    }
}
