package io.tokenwatch.streams.notify;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.http.HttpEndpoint;
import io.tokenwatch.runtime.http.HttpPort;
import io.tokenwatch.runtime.http.ProcessMetrics;
import io.tokenwatch.runtime.kafka.TopicSetup;
import io.tokenwatch.serde.KafkaAvroDeserializer;
import io.tokenwatch.streams.errors.DeadLetterCounts;
import io.tokenwatch.streams.errors.DeadLetterHandler;
import io.tokenwatch.streams.errors.DeadLetterReason;
import io.tokenwatch.streams.errors.RejectedRecordException;
import io.tokenwatch.streams.errors.SchemaRegistryOutage;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads the alerts topic in its own consumer group and posts each alert update to the Slack webhook
 * its route picks. Offsets are committed only for finished records (posted, already posted, or
 * dead-lettered), after the ledger entry of the post is acknowledged; so a crash re-reads rather
 * than loses, and the ledger keeps a re-read from posting twice. The only window for a duplicate is a
 * crash between Slack's 200 and the ledger write. One thread does everything (webhook posts are
 * sequential, as Slack's per-webhook rate limit wants them); {@link #close()} stops it cleanly.
 */
public final class SlackNotifier implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SlackNotifier.class);
    /** Above this many alerts waiting (a webhook down for long), stop reading until they drain. */
    static final int MAX_PENDING = 1_000;

    private final TokenwatchConfig config;
    private final SlackSettings settings;
    private final SlackPoster poster;
    private final SlackMessages messages;
    private final boolean dryRun;
    private final Clock clock = Clock.systemUTC();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaAvroDeserializer alerts = new KafkaAvroDeserializer();
    private final SchemaRegistryOutage registryOutage;
    private final NotifiedLedger ledger;
    private final Map<String, WebhookQueue> queues = new LinkedHashMap<>();
    private final OffsetTracker offsets = new OffsetTracker();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile State state = State.STARTING;
    private final AtomicLong waiting = new AtomicLong();
    private Map<TopicPartition, Long> dryRunEnd = Map.of();

    private final AtomicLong messagesPosted = new AtomicLong();
    private final AtomicLong alertsPosted = new AtomicLong();
    /** Alerts whose route names a webhook this notifier does not have: posted to the default one instead. */
    private final AtomicLong unknownRoute = new AtomicLong();
    private final AtomicLong digestsPosted = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong alreadyPosted = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    /** Alert records dead-lettered (in a dry run: that would be), by reason. */
    private final DeadLetterCounts deadLetteredByReason = new DeadLetterCounts();

    /** For the health endpoints: ready when RUNNING, alive unless FAILED. */
    public enum State { STARTING, RUNNING, STOPPED, FAILED }

    /**
     * @param dryRun read every alert from the beginning without a consumer group, hand messages to
     *               {@code poster} (which prints them), write nothing, and stop when caught up
     */
    public SlackNotifier(TokenwatchConfig config, SlackPoster poster, boolean dryRun) {
        this.config = config;
        this.settings = SlackSettings.of(config);
        this.poster = poster;
        this.dryRun = dryRun;
        this.messages = new SlackMessages(settings.dashboardUrl());
        this.registryOutage = new SchemaRegistryOutage(config.registryUnavailableTimeout);
        Map<String, Object> consumerProps = config.clientProperties(ConsumerConfig.configNames());
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "200");
        Map<String, Object> producerProps = config.clientProperties(ProducerConfig.configNames());
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        Map<String, Object> serdeProps = new HashMap<>(config.kafkaProperties());
        serdeProps.put("specific.avro.reader", "true");
        alerts.configure(serdeProps, false);
        if (!dryRun) {
            try (Admin admin = Admin.create(config.clientProperties(AdminClientConfig.configNames()))) {
                TopicSetup.ensure(admin, config, List.of(settings.notifiedTopic()), Set.of(settings.notifiedTopic()));
            }
        }
        this.producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
        this.ledger = NotifiedLedger.load(settings.notifiedTopic(), consumerProps, producer, Duration.ofMinutes(2));
        this.consumer = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public void run() {
        try {
            if (dryRun) {
                List<TopicPartition> partitions = consumer.partitionsFor(config.alertsTopic, Duration.ofMinutes(1)).stream()
                        .map(p -> new TopicPartition(config.alertsTopic, p.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                dryRunEnd = consumer.endOffsets(partitions);
            } else {
                consumer.subscribe(List.of(config.alertsTopic), new Rebalance());
            }
            state = State.RUNNING;
            LOG.info("Notifier {}: alerts from {} to Slack (routes {}, else webhook '{}'; one post per webhook every {} ms at most; digest above {}/min)",
                    dryRun ? "dry run" : "started", config.alertsTopic, settings.routes(), SlackSettings.DEFAULT_WEBHOOK,
                    settings.minInterval().toMillis(), settings.stormPerMinute());
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(pollTimeout())) {
                    accept(record);
                }
                deliverDue();
                commit();
                applyBackpressure();
                if (dryRun && caughtUp()) {
                    break;
                }
            }
        } catch (WakeupException e) {
            if (running) {
                state = State.FAILED;
                throw e;
            }
        } catch (RuntimeException e) {
            state = State.FAILED;
            LOG.error("Notifier failed; alerts stay unposted and uncommitted until it runs again", e);
            throw e;
        } finally {
            if (state != State.FAILED) {
                state = State.STOPPED;
            }
            try {
                commit();
            } catch (RuntimeException e) {
                LOG.warn("Final offset commit failed; the next start re-reads and the ledger skips what was posted: {}", e.getMessage());
            }
            consumer.close(Duration.ofSeconds(10));
            producer.close(Duration.ofSeconds(10));
            alerts.close();
            LOG.info("Notifier stopped: {}{}", counts(), deadLettered.get() == 0 ? "" : "; dead-lettered by reason " + deadLetteredByReason());
            stopped.countDown();
        }
    }

    private void accept(ConsumerRecord<byte[], byte[]> record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        if (record.value() == null) {
            offsets.read(partition, record.offset());
            return;
        }
        AnomalyAlert alert;
        try {
            // A registry that is down or refuses us is waited for (then the notifier stops without committing this record); only the record's own fault is dead-lettered.
            alert = (AnomalyAlert) registryOutage.retrying(record.topic(), () -> alerts.deserialize(record.topic(), record.headers(), record.value()));
        } catch (SerializationException | ClassCastException e) {
            offsets.started(partition, record.offset());
            deadLetter(new PendingAlert(null, partition, record.offset(), record.key(), record.value()), e);
            return;
        }
        PendingAlert pending = new PendingAlert(alert, partition, record.offset(), record.key(), record.value());
        String id = pending.notificationId();
        if (ledger.contains(id) || queues.values().stream().anyMatch(q -> q.contains(id)) || (alert.getStatus() == AlertStatus.RESOLVED && !settings.postResolved())) {
            alreadyPosted.incrementAndGet();
            offsets.read(partition, record.offset());
            return;
        }
        offsets.started(partition, record.offset());
        String webhook = settings.webhookFor(alert);
        if (!poster.serves(webhook)) {
            // A budget's slack_route may name a webhook this notifier was never given: the alert still reaches Slack.
            if (Long.bitCount(unknownRoute.incrementAndGet()) == 1) {
                LOG.warn("Alert {} is routed to webhook '{}', which is not configured: posted to '{}' instead ({} so far)", alert.getAlertId(),
                        webhook, SlackSettings.DEFAULT_WEBHOOK, unknownRoute.get());
            }
            webhook = SlackSettings.DEFAULT_WEBHOOK;
        }
        queues.computeIfAbsent(webhook, w -> new WebhookQueue(w, dryRun ? Duration.ZERO : settings.minInterval(),
                settings.stormPerMinute(), settings.maxBackoff())).add(pending);
    }

    private void deliverDue() {
        for (WebhookQueue queue : queues.values()) {
            while (running || dryRun) {
                Instant now = clock.instant();
                if (!(queue.next(now) instanceof WebhookQueue.Post post)) {
                    break;
                }
                List<AnomalyAlert> batch = post.alerts().stream().map(PendingAlert::alert).toList();
                SlackPoster.Result result = poster.post(queue.webhook(), post.digest() ? messages.digest(batch) : messages.forAlert(batch.get(0)));
                // Intervals and Retry-After count from Slack's answer, so a slow request never shortens the next wait.
                Instant answered = clock.instant();
                switch (result.outcome()) {
                    case DELIVERED -> delivered(queue, post, answered);
                    case REJECTED -> {
                        LOG.error("Webhook '{}' refused {} for good ({}); sending to {}", queue.webhook(), describe(post), result.detail(), config.dlqTopic);
                        queue.rejected(post, answered);
                        post.alerts().forEach(a -> deadLetter(a, new RejectedRecordException(DeadLetterReason.SLACK_REJECTED,
                                "Slack webhook '" + queue.webhook() + "' refused the message: " + result.detail())));
                    }
                    case RETRY -> {
                        retries.incrementAndGet();
                        Duration wait = queue.failed(answered, result.retryAfter());
                        LOG.warn("Webhook '{}': {} for {}; retrying in {} ms", queue.webhook(), result.detail(), describe(post), wait.toMillis());
                    }
                }
            }
        }
    }

    private void delivered(WebhookQueue queue, WebhookQueue.Post post, Instant answeredAt) {
        queue.delivered(post, answeredAt);
        messagesPosted.incrementAndGet();
        alertsPosted.addAndGet(post.alerts().size());
        if (post.digest()) {
            digestsPosted.incrementAndGet();
        }
        for (PendingAlert alert : post.alerts()) {
            if (!dryRun) {
                ledger.record(alert.notificationId(), queue.webhook(), answeredAt);
            }
            offsets.finished(alert.partition(), alert.offset());
        }
        LOG.info("Posted {} to webhook '{}'", describe(post), queue.webhook());
    }

    private void deadLetter(PendingAlert alert, Exception reason) {
        deadLettered.incrementAndGet();
        if (!dryRun) {
            // Counted (and logged, rate-limited) as the record is made.
            producer.send(DeadLetterHandler.record(deadLetteredByReason, config.dlqTopic, alert.partition().topic(), alert.partition().partition(),
                    alert.offset(), null, alert.key(), alert.value(), reason));
        } else if (deadLetteredByReason.increment(DeadLetterHandler.reasonOf(reason).id()) == 1) {
            // A dry run sends nothing, so it says why here.
            LOG.warn("Alert record {}-{}@{} cannot be posted ({}); a real run sends it to {}. Further ones are counted.", alert.partition().topic(),
                    alert.partition().partition(), alert.offset(), reason.getMessage(), config.dlqTopic);
        }
        offsets.finished(alert.partition(), alert.offset());
    }

    /** Commits finished offsets once the ledger entries and dead letters they depend on are acknowledged. */
    private void commit() {
        if (dryRun) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> ready = offsets.committable();
        ready.keySet().retainAll(consumer.assignment());
        if (!ready.isEmpty()) {
            producer.flush();
            consumer.commitSync(ready);
            offsets.committed(ready);
        }
    }

    private void applyBackpressure() {
        int waiting = queues.values().stream().mapToInt(WebhookQueue::size).sum();
        this.waiting.set(waiting);
        if (waiting > MAX_PENDING && consumer.paused().isEmpty()) {
            LOG.warn("{} alerts waiting for Slack; pausing reads until they drain", waiting);
            consumer.pause(consumer.assignment());
        } else if (waiting <= MAX_PENDING / 2 && !consumer.paused().isEmpty()) {
            consumer.resume(consumer.paused());
        }
    }

    /** Poll no longer than until the next post is due, so rate-limited posts go out on time. */
    private Duration pollTimeout() {
        Instant now = clock.instant();
        long wait = 500;
        for (WebhookQueue queue : queues.values()) {
            WebhookQueue.Next next = queue.next(now);
            if (next instanceof WebhookQueue.WaitUntil until) {
                wait = Math.min(wait, Duration.between(now, until.until()).toMillis());
            } else if (next instanceof WebhookQueue.Post) {
                wait = 0;
            }
        }
        return Duration.ofMillis(Math.max(wait, 1));
    }

    private boolean caughtUp() {
        return queues.values().stream().allMatch(q -> q.size() == 0)
                && dryRunEnd.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    private static String describe(WebhookQueue.Post post) {
        return post.digest() ? "a digest of " + post.alerts().size() + " alerts"
                : "alert " + post.alerts().get(0).alert().getAlertId() + " (" + post.alerts().get(0).alert().getStatus() + ")";
    }

    public State state() {
        return state;
    }

    /** Starts {@code /health/live} (alive unless FAILED), {@code /health/ready} (RUNNING) and {@code /metrics} for this notifier. */
    public HttpPort serveHealthAndMetrics(int port) throws IOException {
        PrometheusMeterRegistry registry = ProcessMetrics.registry("notify-slack");
        bindTo(registry);
        return new HttpPort(HttpEndpoint.of(config, port)).probes(() -> state.name(), () -> state != State.FAILED, () -> state == State.RUNNING, registry)
                .start();
    }

    /** Registers the counters of {@link #counts()} and the alerts waiting, as {@code tokenwatch_slack_*}. */
    private void bindTo(MeterRegistry registry) {
        Map<String, AtomicLong> counters = Map.of("messages", messagesPosted, "alerts", alertsPosted, "digests", digestsPosted,
                "retries", retries, "already_posted", alreadyPosted, "dead_lettered", deadLettered, "unknown_route", unknownRoute);
        HttpPort.registerCounters(registry, "tokenwatch.slack.", "Slack notifier", counters);
        Gauge.builder("tokenwatch.slack.waiting", waiting, AtomicLong::get).description("Alert updates waiting to be posted").register(registry);
    }

    /** Alert records dead-lettered (or, in a dry run, that would be), by reason. */
    public Map<String, Long> deadLetteredByReason() {
        return deadLetteredByReason.snapshot();
    }

    /** Messages and alerts posted, digests, retries, skipped as already posted, dead-lettered. */
    public Map<String, Long> counts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("messages", messagesPosted.get());
        counts.put("alerts", alertsPosted.get());
        counts.put("digests", digestsPosted.get());
        counts.put("retries", retries.get());
        counts.put("already_posted", alreadyPosted.get());
        counts.put("dead_lettered", deadLettered.get());
        counts.put("unknown_route", unknownRoute.get());
        return counts;
    }

    /** Stops after the post in progress, commits what finished, and returns within the timeout. */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            if (!stopped.await(30, TimeUnit.SECONDS)) {
                LOG.warn("Notifier did not stop within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            commit();
            forget(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            LOG.info("Notifier assigned {}", partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            forget(partitions);
        }

        private void forget(Collection<TopicPartition> partitions) {
            queues.values().forEach(q -> q.removeIf(a -> partitions.contains(a.partition())));
            offsets.forget(partitions);
        }
    }
}
