package io.tokenwatch.streams.reconcile;

import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.producer.PriceCatalog;
import io.tokenwatch.serde.KafkaAvroDeserializer;
import io.tokenwatch.streams.config.TokenwatchConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What reached Tokenwatch: the calls topic read from the lookback on (by record time), summed per
 * provider, model (the catalog's name) and hour of the call. Each call id counts once (the pipeline
 * dead-letters duplicates too); records it cannot read are skipped, as the pipeline dead-letters them.
 */
final class CapturedUsage implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaAvroDeserializer decoder = new KafkaAvroDeserializer();
    private final String topic;
    private final PriceCatalog catalog;
    private final Map<String, ProviderUsage> byKey = new HashMap<>();
    private final Set<String> seenModels = new HashSet<>();
    private final Set<String> callIds = new HashSet<>();
    private final List<TopicPartition> partitions;

    CapturedUsage(TokenwatchConfig config, PriceCatalog catalog, Instant from) {
        this.topic = config.callsTopic;
        this.catalog = catalog;
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
        partitions.forEach(tp -> at.put(tp, from.toEpochMilli()));
        Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(at, Duration.ofSeconds(30));
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
        partitions.forEach(tp -> consumer.seek(tp, starts.get(tp) == null ? ends.get(tp) : starts.get(tp).offset()));
    }

    /** Reads up to the topic's end as of now, so every call sent so far is counted. */
    void readToEnd(Duration timeout) {
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Could not read " + topic + " to its end within " + timeout);
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                add(record);
            }
        }
    }

    private void add(ConsumerRecord<byte[], byte[]> record) {
        LlmCall call;
        try {
            call = (LlmCall) decoder.deserialize(topic, record.value());
        } catch (RuntimeException e) {
            return;
        }
        if (call == null || !callIds.add(call.getCallId())) {
            return;
        }
        String model = HourComparison.canonical(catalog, call.getModel());
        String provider = call.getProvider().toLowerCase(Locale.ROOT);
        Instant hour = call.getTimestamp().truncatedTo(ChronoUnit.HOURS);
        seenModels.add(provider + "|" + model);
        ProviderUsage usage = new ProviderUsage(provider, model, hour, call.getInputTokens(), call.getOutputTokens(), call.getCacheReadTokens(),
                call.getCacheWriteTokens(), 1L);
        byKey.merge(provider + "|" + model + "|" + hour, usage, ProviderUsage::plus);
    }

    /** The captured usage of one provider's models in one hour, by the catalog's model name. */
    Map<String, ProviderUsage> hour(String provider, Instant hour) {
        Map<String, ProviderUsage> models = new HashMap<>();
        byKey.values().stream().filter(u -> u.provider().equals(provider) && u.hour().equals(hour)).forEach(u -> models.put(u.model(), u));
        return models;
    }

    boolean everSeen(String provider, String canonicalModel) {
        return seenModels.contains(provider + "|" + canonicalModel);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
        decoder.close();
    }
}
