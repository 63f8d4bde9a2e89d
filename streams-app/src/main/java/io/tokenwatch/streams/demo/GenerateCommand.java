package io.tokenwatch.streams.demo;

import io.tokenwatch.producer.TokenwatchClient;
import io.tokenwatch.streams.app.TopicSetup;
import io.tokenwatch.streams.cli.ConfigOptions;
import io.tokenwatch.streams.config.TokenwatchConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The demo's modelled traffic against an existing cluster (e.g. the compose stack), in real time:
 * optionally a week of history first (only into an empty calls topic, so a restart does not write it
 * twice), then live calls and outcomes, with incidents that start and end on a schedule.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Write synthetic LLM call and outcome events (the demo's workload) to an existing cluster, in real time.")
public final class GenerateCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(GenerateCommand.class);

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

    private final CountDownLatch stop = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        TokenwatchConfig config = options.load();
        Duration backfill = DemoCommand.parseDuration("--history", history);
        Set<Incident> chosen = workload.chosenIncidents();
        long firstAfter = DemoCommand.parseDuration("--first-incident-after", firstIncidentAfter).toMillis();
        long spacing = DemoCommand.parseDuration("--incident-spacing", incidentSpacing).toMillis();
        long length = DemoCommand.parseDuration("--incident-length", incidentLength).toMillis();
        Long runFor = workload.runFor().map(Duration::toMillis).orElse(null);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "tokenwatch-generate-stop"));

        boolean emptyCallsTopic;
        try (Admin admin = Admin.create(config.clientProperties(AdminClientConfig.configNames()))) {
            TopicSetup.ensureTopics(admin, config);
            emptyCallsTopic = recordsIn(admin, config.callsTopic) == 0;
        }
        TokenwatchClient.Builder builder = TokenwatchClient.builder().bootstrapServers(config.kafkaProperties().get("bootstrap.servers"))
                .schemaRegistryUrl(config.kafkaProperties().get("schema.registry.url")).callsTopic(config.callsTopic)
                .outcomesTopic(config.outcomesTopic).spillDirectory(Files.createTempDirectory("tokenwatch-generate-spill")).queueCapacity(50_000);
        // The cluster's security settings (SASL, TLS); bootstrap servers are already set.
        config.clientProperties(ProducerConfig.configNames()).forEach(builder::producerProperty);
        Instant now = Instant.now();
        try (TokenwatchClient client = builder.build()) {
            boolean backfilling = emptyCallsTopic && !backfill.isZero();
            TrafficWriter traffic = new TrafficWriter(client, workload.seed, backfilling ? now.minus(backfill) : now);
            if (backfilling) {
                LOG.info("Backfilling {} of history into {}", backfill, config.callsTopic);
                traffic.history(backfill, (done, hours, calls) -> {
                    if (done % 24 == 0 || done == hours) {
                        LOG.info("History: {}/{} hours, {} calls", done, hours, calls);
                    }
                });
            } else if (!backfill.isZero()) {
                LOG.info("{} already has records: no history backfill (it would duplicate call ids)", config.callsTopic);
            }
            runLive(traffic, new ArrayList<>(chosen), firstAfter, spacing, length, runFor);
        }
        return 0;
    }

    private void runLive(TrafficWriter traffic, List<Incident> schedule, long firstAfter, long spacing, long length, Long runFor)
            throws InterruptedException {
        long start = System.currentTimeMillis();
        long nextReport = start + 30_000;
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
                    LOG.info("Incident started: {} on task {}", incident.id(), incident.task);
                } else if (!shouldRun && active.remove(incident)) {
                    LOG.info("Incident ended: {}", incident.id());
                }
            }
            // Live event time follows the wall clock (the broker refuses timestamps from the future).
            traffic.advanceTo(Instant.ofEpochMilli(Math.max(now, traffic.cursor().toEpochMilli())), active);
            if (now >= nextReport) {
                LOG.info("{} calls written; active incidents {}", traffic.calls(), active);
                nextReport = now + 30_000;
            }
        }
    }

    private static long recordsIn(Admin admin, String topic) throws Exception {
        var partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        return admin.listOffsets(latest).all().get().values().stream().mapToLong(o -> o.offset()).sum();
    }
}
