package io.tokenwatch.runtime.kafka;

import io.tokenwatch.runtime.CannotStartException;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

/**
 * Creates the topics the pipeline needs when they are missing. Upsert topics (stats, sessions,
 * alerts, budgets, reconciled hours) are compacted so a warehouse or a restarted reader sees each key's latest value.
 */
public final class TopicSetup {
    private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);
    private static final Duration VISIBLE_WITHIN = Duration.ofSeconds(30);

    private TopicSetup() {
    }

    public static void ensureTopics(Admin admin, TokenwatchConfig config) {
        List<String> names = new ArrayList<>(List.of(config.callsTopic, config.outcomesTopic, config.budgetsTopic, config.reconciliationTopic));
        names.addAll(config.outputTopics());
        ensure(admin, config, names, Set.of(config.statsTopic, config.sessionsTopic, config.alertsTopic, config.budgetsTopic, config.reconciliationTopic),
                Set.of(config.joinedTopic, config.dlqTopic));
    }

    /**
     * The partition count of the calls and outcomes topics, which must be equal: the join reads
     * partition n of both in one task, so a call and its outcome (same key) meet only then.
     */
    public static int inputPartitions(Admin admin, TokenwatchConfig config) {
        Map<String, TopicDescription> topics;
        try {
            topics = admin.describeTopics(List.of(config.callsTopic, config.outcomesTopic)).allTopicNames().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot describe " + config.callsTopic + " and " + config.outcomesTopic + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        int calls = topics.get(config.callsTopic).partitions().size();
        int outcomes = topics.get(config.outcomesTopic).partitions().size();
        if (calls != outcomes) {
            throw new PartitionMismatchException(config.callsTopic + " has " + calls + " partitions but " + config.outcomesTopic + " has " + outcomes
                    + ": they must be equal (a call and its outcome share a key and must land in the same partition number)");
        }
        return calls;
    }

    /**
     * The end offsets of all of a topic's partitions, summed: how many offsets it has taken (records,
     * and transaction markers too). With {@code READ_COMMITTED}, each partition's last stable offset,
     * which stops at the first record of an open transaction.
     */
    public static long endOffsetSum(Admin admin, String topic, IsolationLevel isolation) throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetSpec> latest = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                .collect(Collectors.toMap(p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
        return admin.listOffsets(latest, new ListOffsetsOptions(isolation)).all().get().values().stream()
                .mapToLong(ListOffsetsResult.ListOffsetsResultInfo::offset).sum();
    }

    /** The input topics cannot be joined as they are; start-up stops with this one-line message. */
    public static final class PartitionMismatchException extends CannotStartException {
        PartitionMismatchException(String message) {
            super(message);
        }
    }

    /** Creates the missing ones of {@code names} with the configured partitions and replication. */
    public static void ensure(Admin admin, TokenwatchConfig config, List<String> names, Set<String> compacted) {
        ensure(admin, config, names, compacted, Set.of());
    }

    /**
     * As {@link #ensure(Admin, TokenwatchConfig, List, Set)}; the topics in {@code appendTimed} are stamped
     * with the broker's append time. Their records would otherwise carry the event time of the calls, so
     * a catch-up or backfill of calls older than the topic's retention would write records the broker
     * deletes at its next retention check, before any sink has read them (seen as calls missing from
     * the joined topic after a restart). The event time stays in the values.
     */
    private static void ensure(Admin admin, TokenwatchConfig config, List<String> names, Set<String> compacted, Set<String> appendTimed) {
        Optional<Short> replication = config.topicReplication > 0 ? Optional.of(config.topicReplication) : Optional.empty();
        List<NewTopic> topics = names.stream().map(name -> {
            NewTopic topic = new NewTopic(name, Optional.of(config.topicPartitions), replication);
            if (compacted.contains(name)) {
                return topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            }
            return appendTimed.contains(name) ? topic.configs(Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime")) : topic;
        }).toList();
        List<String> created = new ArrayList<>();
        admin.createTopics(topics).values().forEach((name, future) -> {
            try {
                future.get();
                created.add(name);
                LOG.info("Created topic {} ({} partitions{})", name, config.topicPartitions,
                        compacted.contains(name) ? ", compacted" : appendTimed.contains(name) ? ", stamped with append time" : "");
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("Cannot create topic " + name + ": " + e.getCause().getMessage(), e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
        awaitVisible(admin, created);
        warnOfEventTimeRetention(admin, names.stream().filter(appendTimed::contains).filter(name -> !created.contains(name)).toList());
    }

    /** An existing output topic stamped with event time loses a backfill's old records to retention: said once at start. */
    private static void warnOfEventTimeRetention(Admin admin, List<String> existing) {
        if (existing.isEmpty()) {
            return;
        }
        try {
            admin.describeConfigs(existing.stream().map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name)).toList()).all().get()
                    .forEach((resource, topicConfig) -> {
                        ConfigEntry type = topicConfig.get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG);
                        ConfigEntry retention = topicConfig.get(TopicConfig.RETENTION_MS_CONFIG);
                        if (type != null && "CreateTime".equals(type.value()) && retention != null && !"-1".equals(retention.value())) {
                            LOG.warn("Topic {} keeps records by their event time (message.timestamp.type=CreateTime, retention.ms={}): a catch-up"
                                    + " of calls older than that writes records the broker deletes before they are read. Set"
                                    + " message.timestamp.type=LogAppendTime on it.", resource.name(), retention.value());
                        }
                    });
        } catch (ExecutionException e) {
            LOG.warn("Cannot check the timestamp type of {}: {}", existing, e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits until the brokers know the topics just created: the controller has them at once, a broker's
     * metadata a moment later, and a describe or list-offsets in that moment fails with "unknown topic".
     */
    private static void awaitVisible(Admin admin, List<String> created) {
        long deadline = System.nanoTime() + VISIBLE_WITHIN.toNanos();
        while (!created.isEmpty()) {
            try {
                admin.describeTopics(created).allTopicNames().get();
                admin.listOffsets(created.stream().collect(Collectors.toMap(name -> new TopicPartition(name, 0), name -> OffsetSpec.latest()))).all().get();
                return;
            } catch (ExecutionException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Topics " + created + " were created but are not visible after " + VISIBLE_WITHIN.toSeconds() + " s: "
                            + e.getCause().getMessage(), e.getCause());
                }
                try {
                    Thread.sleep(50); // between two checks of the condition
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(interrupted);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
