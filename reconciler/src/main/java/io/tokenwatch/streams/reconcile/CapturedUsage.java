package io.tokenwatch.streams.reconcile;

import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.producer.PriceCatalog;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.schemas.CallBounds;
import io.tokenwatch.serde.KafkaAvroDeserializer;
import io.tokenwatch.streams.errors.RejectedRecordException;
import io.tokenwatch.streams.errors.SchemaRegistryOutage;
import io.tokenwatch.streams.topology.CallValidation;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What reached Tokenwatch: the calls topic read by record time from the earliest hour that may still
 * be reconciled, less the model memory, summed per provider, model (the catalog's name) and hour of
 * the call. Each call id counts once per hour (a duplicate carries its call's timestamp; the pipeline
 * dead-letters duplicates too); records it cannot read are skipped, as the pipeline dead-letters them,
 * but a registry outage fails the pass instead.
 * Whether a model is known is decided by event time, from the calls of the memory before the hour's
 * end, so an hour reconciled in a catch-up says what it would have said when it settled live.
 */
final class CapturedUsage implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CapturedUsage.class);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaAvroDeserializer decoder = new KafkaAvroDeserializer();
    private final String topic;
    private final PriceCatalog catalog;
    private final Duration modelMemory;
    private final CallBounds bounds;
    /** Hours that may still be reconciled: per hour, usage by provider|model, and the call ids counted. */
    private final TreeMap<Instant, Map<String, ProviderUsage>> usageByHour = new TreeMap<>();
    private final Map<Instant, Set<String>> callIdsByHour = new HashMap<>();
    /** Per provider|model, the hours a call of it was captured in, back to the memory's start. */
    private final Map<String, TreeSet<Instant>> modelHours = new HashMap<>();
    private final List<TopicPartition> partitions;
    /** Calls before this hour only tell which models are known. */
    private Instant reconcilableFrom;

    /** Reads from {@code reconcilableFrom} less the model memory. */
    CapturedUsage(TokenwatchConfig config, PriceCatalog catalog, Instant reconcilableFrom) {
        this.topic = config.callsTopic;
        this.catalog = catalog;
        this.modelMemory = ReconcileSettings.of(config).modelMemory();
        this.bounds = config.callBounds;
        this.reconcilableFrom = reconcilableFrom;
        Map<String, Object> props = new HashMap<>(config.clientProperties(ConsumerConfig.configNames()));
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        Map<String, Object> serde = new HashMap<>(config.kafkaProperties());
        serde.put("specific.avro.reader", "true");
        decoder.configure(serde, false);
        partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        Map<TopicPartition, Long> at = new HashMap<>();
        partitions.forEach(tp -> at.put(tp, reconcilableFrom.minus(modelMemory).toEpochMilli()));
        Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(at, Duration.ofSeconds(30));
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
        partitions.forEach(tp -> consumer.seek(tp, starts.get(tp) == null ? ends.get(tp) : starts.get(tp).offset()));
    }

    /**
     * Reads up to the topic's end as of now, so every call sent so far is counted; logs progress on a
     * long read (the first one reads the whole memory). Fails when no record arrives for {@code stall}.
     */
    void readToEnd(Duration stall) {
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, stall);
        long total = partitions.stream().mapToLong(tp -> Math.max(0, ends.get(tp) - consumer.position(tp))).sum();
        long read = 0;
        long lastProgress = System.nanoTime();
        long lastLog = lastProgress;
        while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
            long now = System.nanoTime();
            if (!records.isEmpty()) {
                lastProgress = now;
            } else if (now - lastProgress > stall.toNanos()) {
                throw new IllegalStateException("Could not read " + topic + " to its end: nothing arrived for " + stall);
            }
            addAll(records);
            read += records.count();
            if (now - lastLog > PROGRESS_EVERY.toNanos()) {
                LOG.info("Reading captured calls from {}: {} of {} records", topic, read, total);
                lastLog = now;
            }
        }
    }

    /**
     * Adds a poll's records. When the registry is down, the records from the one it could not decode
     * on are read again next time (the consumer is sought back to them) and the pass fails: counting
     * without them would report their spend as never captured.
     */
    private void addAll(ConsumerRecords<byte[], byte[]> records) {
        List<TopicPartition> polled = List.copyOf(records.partitions());
        for (int p = 0; p < polled.size(); p++) {
            for (ConsumerRecord<byte[], byte[]> record : records.records(polled.get(p))) {
                try {
                    add(record);
                } catch (SerializationException registryDown) {
                    consumer.seek(polled.get(p), record.offset());
                    polled.subList(p + 1, polled.size()).forEach(tp -> consumer.seek(tp, records.records(tp).get(0).offset()));
                    throw registryDown;
                }
            }
        }
    }

    /** Adds one call; a record that cannot be read (bad bytes, an unknown schema) is skipped, as the pipeline dead-letters it. */
    private void add(ConsumerRecord<byte[], byte[]> record) {
        LlmCall call;
        try {
            call = (LlmCall) decoder.deserialize(topic, record.value());
        } catch (RuntimeException e) {
            if (SchemaRegistryOutage.isOutage(e)) {
                throw new SerializationException("schema registry unavailable while reading " + topic + " (retried next pass)", e);
            }
            return;
        }
        if (call == null || refused(record, call)) {
            return;
        }
        String model = HourComparison.canonical(catalog, call.getModel());
        String provider = call.getProvider().toLowerCase(Locale.ROOT);
        Instant hour = call.getTimestamp().truncatedTo(ChronoUnit.HOURS);
        modelHours.computeIfAbsent(provider + "|" + model, k -> new TreeSet<>()).add(hour);
        if (hour.isBefore(reconcilableFrom) || !callIdsByHour.computeIfAbsent(hour, h -> new HashSet<>()).add(call.getCallId())) {
            return;
        }
        ProviderUsage usage = new ProviderUsage(provider, model, hour, call.getInputTokens(), call.getOutputTokens(), call.getCacheReadTokens(),
                call.getCacheWriteTokens(), 1L);
        usageByHour.computeIfAbsent(hour, h -> new HashMap<>()).merge(provider + "|" + model, usage, ProviderUsage::plus);
    }

    /** A call the pipeline dead-letters (impossible counts, labels too long): not captured spend either. */
    private boolean refused(ConsumerRecord<byte[], byte[]> record, LlmCall call) {
        try {
            CallValidation.check(record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8), call, bounds);
            return false;
        } catch (RejectedRecordException e) {
            return true;
        }
    }

    /** The captured usage of one provider's models in one hour, by the catalog's model name. */
    Map<String, ProviderUsage> hour(String provider, Instant hour) {
        Map<String, ProviderUsage> models = new HashMap<>();
        usageByHour.getOrDefault(hour, Map.of()).values().stream().filter(u -> u.provider().equals(provider)).forEach(u -> models.put(u.model(), u));
        return models;
    }

    /** Whether a call of this model was captured within the model memory before {@code hour}'s end. */
    boolean knownAt(String provider, String canonicalModel, Instant hour) {
        Instant end = hour.plus(Duration.ofHours(1));
        Instant latest = modelHours.getOrDefault(provider + "|" + canonicalModel, new TreeSet<>()).lower(end);
        return latest != null && !latest.isBefore(end.minus(modelMemory));
    }

    /** Forgets what only hours before {@code from} need: they are out of the lookback and will not be reconciled. */
    void forgetBefore(Instant from) {
        reconcilableFrom = from;
        usageByHour.headMap(from).clear();
        callIdsByHour.keySet().removeIf(hour -> hour.isBefore(from));
        Instant memoryStart = from.minus(modelMemory);
        modelHours.values().forEach(hours -> hours.headSet(memoryStart).clear());
        modelHours.values().removeIf(Set::isEmpty);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
        decoder.close();
    }
}
