package io.tokenwatch.streams.reconcile;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.events.v1.ReconciliationHour;
import io.tokenwatch.producer.PriceCatalog;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.http.HttpEndpoint;
import io.tokenwatch.runtime.http.HttpPort;
import io.tokenwatch.runtime.http.ProcessMetrics;
import io.tokenwatch.runtime.kafka.TopicSnapshot;
import io.tokenwatch.serde.KafkaAvroDeserializer;
import io.tokenwatch.serde.KafkaAvroSerializer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * Each settled hour of each provider, once: its usage report against what reached Tokenwatch, written
 * to the reconciliation topic, and a capture_gap alert update when the episode changes, both in one
 * transaction. What was reconciled is read back from that compacted topic on start, so a restart
 * neither reconciles an hour twice nor alerts again. One reconciler writes at a time: starting one
 * fences the one before it (same transactional id) and aborts its open transaction before the
 * read-back, so the read-back sees every hour the one before committed and nothing it did not.
 */
public final class Reconciler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
    private static final Duration HOUR = Duration.ofHours(1);

    private final TokenwatchConfig config;
    private final ReconcileSettings settings;
    private final List<UsageReport> reports;
    private final Clock clock;
    private final PriceCatalog catalog = PriceCatalog.bundled();
    private final KafkaProducer<String, Object> producer;
    private final GapEpisodes episodes = new GapEpisodes();
    private final Set<ProviderHour> done = new HashSet<>();
    private final AtomicLong hoursReconciled = new AtomicLong();
    private final AtomicLong recordsWritten = new AtomicLong();
    private final AtomicLong alertUpdates = new AtomicLong();
    private final AtomicLong failedPasses = new AtomicLong();
    /** Reported spend never captured (the positive gaps), USD, per provider. */
    private final Map<String, DoubleAdder> untrackedUsd = new TreeMap<>();
    /** Wall-clock time of the last pass that succeeded (epoch seconds; 0 before the first). */
    private final AtomicLong lastSuccess = new AtomicLong();
    private volatile String lastFailure;
    private CapturedUsage captured;

    private record ProviderHour(String provider, Instant hour) {
    }

    /** What one pass did. */
    public record Pass(int hours, int records, int alerts) {
    }

    /**
     * A reconciler of the providers a key is given for, at the configured base URLs; {@code clock} says
     * what "now" is (the wall clock, or the demo's event time). Empty when there is no key at all.
     */
    public static Optional<Reconciler> forKeys(TokenwatchConfig config, Optional<String> anthropicKey, Optional<String> openaiKey, Clock clock) {
        ReconcileSettings settings = ReconcileSettings.of(config);
        UsageHttp http = new UsageHttp(settings.timeout(), settings.maxBackoff(), d -> Thread.sleep(d.toMillis()));
        List<UsageReport> reports = new ArrayList<>();
        anthropicKey.ifPresent(k -> reports.add(new AnthropicUsageReport(settings.anthropicBaseUrl(), k, http)));
        openaiKey.ifPresent(k -> reports.add(new OpenAiUsageReport(settings.openaiBaseUrl(), k, http)));
        return reports.isEmpty() ? Optional.empty() : Optional.of(new Reconciler(config, reports, clock));
    }

    /** The providers it reconciles. */
    public List<String> providers() {
        return reports.stream().map(UsageReport::provider).toList();
    }

    Reconciler(TokenwatchConfig config, List<UsageReport> reports, Clock clock) {
        this.config = config;
        this.settings = ReconcileSettings.of(config);
        this.reports = reports;
        this.clock = clock;
        reports.forEach(r -> untrackedUsd.put(r.provider(), new DoubleAdder()));
        Map<String, Object> props = new HashMap<>(config.clientProperties(ProducerConfig.configNames()));
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.transactionalId());
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        KafkaAvroSerializer values = new KafkaAvroSerializer();
        values.configure(config.kafkaProperties(), false);
        producer = new KafkaProducer<>(props, new StringSerializer(), values);
        try {
            producer.initTransactions(); // first: fences the reconciler before this one, so the read-back sees all it committed
            readBack();
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
    }

    /** The hours reconciled before, in order: marks them done and replays their episodes. */
    private void readBack() {
        // A key's records share a partition, read in offset order: the last one read is the one in force.
        Map<String, ReconciliationHour> latest = new HashMap<>();
        Map<String, Object> serde = new HashMap<>(config.kafkaProperties());
        serde.put("specific.avro.reader", "true");
        try (KafkaAvroDeserializer decoder = new KafkaAvroDeserializer()) {
            decoder.configure(serde, false);
            TopicSnapshot.read(config.clientProperties(ConsumerConfig.configNames()), settings.topic(), Duration.ofMinutes(2),
                    r -> latest.put(new String(r.key(), StandardCharsets.UTF_8), (ReconciliationHour) decoder.deserialize(settings.topic(), r.value())),
                    (read, total) -> { });
        }
        latest.values().stream().sorted(Comparator.comparing(ReconciliationHour::getHourStart)).forEach(hour -> {
            episodes.replay(hour);
            done.add(new ProviderHour(hour.getProvider(), hour.getHourStart()));
        });
        if (!latest.isEmpty()) {
            LOG.info("Read back {} reconciled hours ({} records, one per model) from {}", done.size(), latest.size(), settings.topic());
        }
    }

    /** Reconciles every settled hour of the lookback not done yet. */
    public Pass runOnce() throws IOException, InterruptedException {
        Instant now = clock.instant();
        Instant settledBefore = now.minus(settings.settle()).truncatedTo(ChronoUnit.HOURS);
        Instant from = now.minus(settings.lookback()).truncatedTo(ChronoUnit.HOURS);
        if (captured == null) {
            captured = new CapturedUsage(config, catalog, from);
        }
        captured.forgetBefore(from);
        done.removeIf(h -> h.hour().isBefore(from));
        captured.readToEnd(Duration.ofMinutes(2));
        int hoursDone = 0;
        int records = 0;
        int alerts = 0;
        for (UsageReport report : reports) {
            TreeSet<Instant> todo = new TreeSet<>();
            for (Instant hour = from; hour.isBefore(settledBefore); hour = hour.plus(HOUR)) {
                if (!done.contains(new ProviderHour(report.provider(), hour))) {
                    todo.add(hour);
                }
            }
            if (todo.isEmpty()) {
                continue;
            }
            Map<Instant, Map<String, ProviderUsage>> reported = new TreeMap<>();
            for (ProviderUsage usage : report.hours(todo.first(), settledBefore)) {
                String model = HourComparison.canonical(catalog, usage.model());
                reported.computeIfAbsent(usage.hour(), h -> new TreeMap<>()).merge(model,
                        new ProviderUsage(usage.provider(), model, usage.hour(), usage.inputTokens(), usage.outputTokens(), usage.cacheReadTokens(),
                                usage.cacheWriteTokens(), usage.requests()), ProviderUsage::plus);
            }
            for (Instant hour : todo) {
                int[] written = reconcile(report.provider(), hour, reported.getOrDefault(hour, Map.of()), now);
                records += written[0];
                alerts += written[1];
                hoursDone++;
                hoursReconciled.incrementAndGet();
            }
        }
        return new Pass(hoursDone, records, alerts);
    }

    /** One provider hour in one transaction: a record per model, and the alert updates. Returns {records, alerts}. */
    private int[] reconcile(String provider, Instant hour, Map<String, ProviderUsage> reported, Instant now) {
        Map<String, ProviderUsage> capturedModels = captured.hour(provider, hour);
        Set<String> models = new TreeSet<>(reported.keySet());
        models.addAll(capturedModels.keySet());
        if (models.isEmpty()) { // a quiet hour: nothing to write, so no record to find it by after a restart
            done.add(new ProviderHour(provider, hour));
            return new int[] {0, 0};
        }
        int alerts = 0;
        double untracked = 0;
        Map<ReconciliationHour, GapEpisodes.Decision> decided = new LinkedHashMap<>();
        try {
            producer.beginTransaction();
            for (String model : models) {
                ReconciliationHour record = HourComparison.compare(provider, model, hour, reported.get(model), capturedModels.get(model),
                        captured.knownAt(provider, model, hour), catalog, settings.tolerance(), now);
                GapEpisodes.Decision decision = episodes.decide(record);
                record.setAlertId(decision.alertId());
                decided.put(record, decision);
                producer.send(new ProducerRecord<>(settings.topic(), null, hour.toEpochMilli(), provider + "|" + model + "|" + hour, record));
                if (decision.update() != null) {
                    producer.send(new ProducerRecord<>(config.alertsTopic, null, hour.plus(HOUR).toEpochMilli(), decision.alertId(),
                            alert(record, decision)));
                    alerts++;
                }
                untracked += Math.max(0, record.getGapCostUsd());
            }
            producer.commitTransaction();
        } catch (RuntimeException e) {
            if (fencedOff(e)) { // the producer can only be closed now; the newer reconciler aborted what this one had open
                throw new ReconcilerFencedException(settings.transactionalId(), e);
            }
            abort(e);
            throw e;
        }
        decided.forEach(episodes::apply);
        done.add(new ProviderHour(provider, hour));
        recordsWritten.addAndGet(models.size());
        alertUpdates.addAndGet(alerts);
        untrackedUsd.get(provider).add(untracked);
        LOG.info("Reconciled {} {}: {} model(s), {} alert update(s), ${} not captured", provider, hour, models.size(), alerts,
                String.format(Locale.ROOT, "%.2f", untracked));
        return new int[] {models.size(), alerts};
    }

    /**
     * Aborts the hour's transaction, after which the next pass can try the hour again (nothing of it
     * was applied). A producer that cannot abort cannot go on: the process stops, and a restart reads
     * back what was committed.
     */
    private void abort(RuntimeException cause) {
        try {
            producer.abortTransaction();
        } catch (RuntimeException e) {
            e.addSuppressed(cause);
            throw new IllegalStateException("the reconciler's producer cannot abort its transaction; stopping", e);
        }
    }

    private static boolean fencedOff(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ProducerFencedException || t instanceof InvalidProducerEpochException) {
                return true;
            }
        }
        return false;
    }

    private AnomalyAlert alert(ReconciliationHour record, GapEpisodes.Decision decision) {
        Double ratio = record.getCaptureRatio();
        return AnomalyAlert.newBuilder().setAlertId(decision.alertId()).setStatus(decision.update())
                .setDimension("provider").setGroup(record.getProvider() + "/" + record.getModel()).setMetric("capture_gap")
                .setObserved(record.getCapturedCostUsd()).setBaseline(record.getReportedCostUsd()).setRatio(ratio == null ? 0 : ratio)
                .setThreshold(settings.tolerance()).setSeverityStep(ratio == null ? 1 : Math.abs(1 - ratio))
                .setWindowStart(record.getHourStart()).setWindowEnd(record.getHourStart().plus(HOUR))
                .setWindowCalls(record.getCapturedCalls()).setBaselineCalls(record.getReportedRequests() == null ? 0 : record.getReportedRequests())
                .setBaselineHours(1).setCostImpactUsd(Math.abs(record.getGapCostUsd())).setTopContributors(List.of())
                .setOpenedAt(Instant.ofEpochMilli(decision.episode().openedAtMillis())).setUpdatedAt(record.getHourStart().plus(HOUR))
                .setTriggerCallId(null).setResolvedReason(decision.update() == AlertStatus.RESOLVED ? "back-under-threshold" : null).build();
    }

    /**
     * Passes every {@code interval} until {@code stop} counts down. A pass that fails (a usage API still
     * failing after its retries, or Kafka or the registry failing inside an hour's transaction, which
     * is then aborted) is logged and tried again next time.
     */
    public void runUntil(CountDownLatch stop) throws InterruptedException {
        do {
            try {
                Pass pass = runOnce();
                lastSuccess.set(Instant.now().getEpochSecond());
                lastFailure = null;
                LOG.info("Reconciliation pass: {} hour(s), {} record(s), {} alert update(s); next in {}", pass.hours(), pass.records(), pass.alerts(),
                        settings.interval());
            } catch (IOException | KafkaException e) {
                failedPasses.incrementAndGet();
                lastFailure = e.getMessage();
                LOG.error("Reconciliation pass failed: {}; trying again in {}", e.getMessage(), settings.interval());
            }
        } while (!stop.await(settings.interval().toMillis(), TimeUnit.MILLISECONDS));
    }

    /**
     * Starts {@code /health/live}, {@code /health/ready} (a pass has succeeded and the last one did not
     * fail) and {@code /metrics} with the {@code tokenwatch_reconcile_*} meters.
     */
    public HttpPort serveHealthAndMetrics(int port) throws IOException {
        PrometheusMeterRegistry registry = ProcessMetrics.registry("reconcile");
        Map<String, AtomicLong> counters = Map.of("hours", hoursReconciled, "records", recordsWritten, "alert.updates", alertUpdates,
                "failed.passes", failedPasses);
        HttpPort.registerCounters(registry, "tokenwatch.reconcile.", "Reconciler", counters);
        untrackedUsd.forEach((provider, usd) -> FunctionCounter.builder("tokenwatch.reconcile.untracked.usd", usd, DoubleAdder::sum).tag("provider", provider)
                .description("Spend the provider reported that never reached Tokenwatch, USD").register(registry));
        Gauge.builder("tokenwatch.reconcile.open.gaps", episodes, GapEpisodes::openCount).description("capture_gap episodes open").register(registry);
        Gauge.builder("tokenwatch.reconcile.last.success", lastSuccess, AtomicLong::get).baseUnit("seconds")
                .description("When the last pass succeeded (Unix time)").register(registry);
        return new HttpPort(HttpEndpoint.of(config, port)).probes(this::state, () -> true, () -> lastSuccess.get() > 0 && lastFailure == null, registry)
                .start();
    }

    private String state() {
        return lastFailure != null ? "FAILING: " + lastFailure : lastSuccess.get() > 0 ? "RUNNING" : "STARTING";
    }

    @Override
    public void close() {
        if (captured != null) {
            captured.close();
        }
        producer.close(Duration.ofSeconds(10));
    }
}
