package io.tokenwatch.streams.notify;

import io.tokenwatch.runtime.kafka.TopicSnapshot;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which alert updates were already posted, kept in a compacted topic (key: notification id, value:
 * when and to which webhook). Read whole at start, appended after each successful post and before
 * the offset commit, so neither a restart nor a re-read of the alerts topic posts twice.
 */
public final class NotifiedLedger {
    private static final Logger LOG = LoggerFactory.getLogger(NotifiedLedger.class);

    private final String topic;
    private final Producer<byte[], byte[]> producer;
    private final Set<String> posted = new HashSet<>();

    private NotifiedLedger(String topic, Producer<byte[], byte[]> producer) {
        this.topic = topic;
        this.producer = producer;
    }

    /** Reads the ledger topic to its end. */
    public static NotifiedLedger load(String topic, Map<String, Object> consumerSettings, Producer<byte[], byte[]> producer, Duration timeout) {
        NotifiedLedger ledger = new NotifiedLedger(topic, producer);
        TopicSnapshot.read(consumerSettings, topic, timeout, record -> {
            String id = new String(record.key(), StandardCharsets.UTF_8);
            if (record.value() == null) {
                ledger.posted.remove(id);
            } else {
                ledger.posted.add(id);
            }
        }, (done, total) -> { });
        LOG.info("Ledger {}: {} alert updates already posted", topic, ledger.posted.size());
        return ledger;
    }

    public boolean contains(String notificationId) {
        return posted.contains(notificationId);
    }

    /** Remembers a posted update; the caller flushes the producer before committing offsets. */
    public void record(String notificationId, String webhook, Instant postedAt) {
        posted.add(notificationId);
        producer.send(new ProducerRecord<>(topic, notificationId.getBytes(StandardCharsets.UTF_8),
                (postedAt + " " + webhook).getBytes(StandardCharsets.UTF_8)));
    }

    public int size() {
        return posted.size();
    }
}
