package io.tokenwatch.streams.app;

import io.tokenwatch.events.v1.Budget;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.kafka.TopicSnapshot;
import io.tokenwatch.streams.budget.BudgetCalendar;
import io.tokenwatch.streams.topology.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The budgets topic ({@code tokenwatch.topic.budgets}, compacted, key {@code dimension|group|period}):
 * read as the set of budgets in force, written one budget or tombstone at a time with the configured
 * value serde (so Confluent's serde reads and writes it the same way).
 */
public final class BudgetTopic {
    private static final Duration READ_WITHIN = Duration.ofMinutes(2);
    private static final long WRITE_WITHIN_SECONDS = 30;

    private BudgetTopic() {
    }

    /** The budgets in force, by key, and how many records could not be read. */
    public record Budgets(Map<String, Budget> byKey, int unreadable) {
    }

    public static Budgets read(TokenwatchConfig config) {
        Map<String, Budget> budgets = new TreeMap<>();
        int[] unreadable = {0};
        Serde<Budget> serde = budgetSerde(config);
        try (Deserializer<Budget> reader = serde.deserializer()) {
            TopicSnapshot.read(config.clientProperties(ConsumerConfig.configNames()), config.budgetsTopic, READ_WITHIN, record -> {
                String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
                if (key == null) {
                    unreadable[0]++;
                } else if (record.value() == null) {
                    budgets.remove(key);
                } else {
                    try {
                        budgets.put(key, reader.deserialize(config.budgetsTopic, record.value()));
                    } catch (RuntimeException e) {
                        unreadable[0]++;
                    }
                }
            }, (done, total) -> { });
        }
        return new Budgets(budgets, unreadable[0]);
    }

    /** Writes each budget (a null value deletes its key), acknowledged by the brokers before returning. */
    public static void write(TokenwatchConfig config, Map<String, Budget> changes) {
        Map<String, Object> props = new HashMap<>(config.clientProperties(ProducerConfig.configNames()));
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        Serde<Budget> serde = budgetSerde(config);
        try (KafkaProducer<String, Budget> producer = new KafkaProducer<>(props, new StringSerializer(), serde.serializer())) {
            var sent = changes.entrySet().stream()
                    .map(e -> producer.send(new ProducerRecord<>(config.budgetsTopic, e.getKey(), e.getValue()))).toList();
            for (var future : sent) {
                future.get(WRITE_WITHIN_SECONDS, TimeUnit.SECONDS);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot write to " + config.budgetsTopic + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Cannot write to " + config.budgetsTopic + ": no acknowledgement within " + WRITE_WITHIN_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static String keyOf(Budget budget) {
        return BudgetCalendar.budgetKey(budget.getDimension(), budget.getGroup(), budget.getPeriod());
    }

    private static Serde<Budget> budgetSerde(TokenwatchConfig config) {
        return Topics.valueSerde(config.valueSerdeClass, config.kafkaProperties(), config.registryUnavailableTimeout);
    }
}
