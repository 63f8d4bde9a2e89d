package io.tokenwatch.runtime.kafka;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.apache.kafka.clients.NetworkClient;
import org.apache.kafka.clients.producer.internals.Sender;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/** Kafka's expected, self-resolving warnings stay out of the log; any other warning of the same loggers gets through. */
class ExpectedKafkaWarningsTest {

    @Test
    void dropsTheExpectedWarningsAsKafkaLogsThemAndKeepsOthers() {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(appender);
        ExpectedKafkaWarnings filter = ExpectedKafkaWarnings.installed().orElseThrow(() -> new AssertionError("logback-test.xml installs it"));
        long droppedBefore = filter.dropped();
        try {
            // As Kafka's clients log them: the client's context first, then the message.
            org.slf4j.Logger sender = LoggerFactory.getLogger(Sender.class);
            String producer = "[Producer clientId=p-1, transactionalId=t-1] ";
            sender.warn(producer + "Got error produce response with correlation id {} on topic-partition {}, retrying ({} attempts left). Error: {}",
                    552, "app-group-deltas-repartition-2", 2147483646, Errors.CONCURRENT_TRANSACTIONS);
            sender.warn(producer + "Got error produce response with correlation id {} on topic-partition {}, retrying ({} attempts left). Error: {}",
                    553, "llm.calls.joined.v1-0", 3, Errors.NOT_LEADER_OR_FOLLOWER);
            org.slf4j.Logger network = LoggerFactory.getLogger(NetworkClient.class);
            String consumer = "[Consumer clientId=c-1, groupId=app] ";
            network.warn(consumer + "The metadata response from the cluster reported a recoverable issue with correlation id {} : {}", 2,
                    "{app-group-deltas-repartition=UNKNOWN_TOPIC_OR_PARTITION}");
            network.warn(consumer + "The metadata response from the cluster reported a recoverable issue with correlation id {} : {}", 3,
                    "{llm.calls.v1=UNKNOWN_TOPIC_OR_PARTITION}");
            org.slf4j.Logger broker = LoggerFactory.getLogger("kafka.server.ReplicaManager");
            broker.error("[ReplicaManager broker=1] Error processing append operation on partition x:app-group-deltas-repartition-0",
                    new OutOfOrderSequenceException("Invalid sequence number for producer 1 at offset 19: 19 (incoming seq. number)"));
            broker.error("[ReplicaManager broker=1] Error processing append operation on partition x:llm.calls.v1-0",
                    new CorruptRecordException("Record is corrupt"));
            org.slf4j.Logger offsets = LoggerFactory.getLogger("org.apache.kafka.clients.consumer.internals.OffsetFetcherUtils");
            offsets.warn("[Consumer clientId=tokenwatch-1-global-consumer, groupId=null] Not updating last stable offset for partition {} as it is no longer assigned",
                    "llm.budgets.v1-0");
            offsets.warn("[Consumer clientId=tokenwatch-1-StreamThread-1-consumer, groupId=tokenwatch] Not updating last stable offset for partition {} as it "
                    + "is no longer assigned", "llm.calls.v1-0");
        } finally {
            root.detachAppender(appender);
        }
        assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "[Producer clientId=p-1, transactionalId=t-1] Got error produce response with correlation id 553 on topic-partition "
                        + "llm.calls.joined.v1-0, retrying (3 attempts left). Error: NOT_LEADER_OR_FOLLOWER",
                "[Consumer clientId=c-1, groupId=app] The metadata response from the cluster reported a recoverable issue with correlation id 3 : "
                        + "{llm.calls.v1=UNKNOWN_TOPIC_OR_PARTITION}",
                "[ReplicaManager broker=1] Error processing append operation on partition x:llm.calls.v1-0",
                "[Consumer clientId=tokenwatch-1-StreamThread-1-consumer, groupId=tokenwatch] Not updating last stable offset for partition "
                        + "llm.calls.v1-0 as it is no longer assigned");
        assertThat(filter.dropped() - droppedBefore).isEqualTo(4);
    }
}
