package io.tokenwatch.runtime.kafka;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drops the warnings Kafka's clients log for situations that are expected in normal operation and
 * resolved by the client itself, so that a WARN in Tokenwatch's log always means something to look
 * at. Registered in {@code logback.xml}, so logback owns the one instance of a process; each process
 * counts what it dropped on its own {@code /metrics} ({@link #bindTo}).
 */
public final class ExpectedKafkaWarnings extends TurboFilter {
    /** A log line of {@code logger} at {@code level} whose text (format and arguments, or its exception) holds all of {@code allOf}. */
    private record Expected(String logger, Level level, List<String> allOf, String why) {
    }

    private static final String SENDER = "org.apache.kafka.clients.producer.internals.Sender";
    private static final String NETWORK = "org.apache.kafka.clients.NetworkClient";

    private static final List<Expected> EXPECTED = List.of(
            new Expected(SENDER, Level.WARN, List.of("CONCURRENT_TRANSACTIONS", "retrying"),
                    "exactly-once: a transaction's first send while the previous commit completes; the producer retries"),
            new Expected(SENDER, Level.WARN, List.of("OUT_OF_ORDER_SEQUENCE_NUMBER", "retrying"),
                    "the same retry, seen by the broker as out of sequence; the producer retries it and it lands once"
                            + " (CatchUpIT and DemoIT compare every output with what was sent)"),
            new Expected("kafka.server.ReplicaManager", Level.ERROR, List.of("Error processing append operation", "OutOfOrderSequenceException"),
                    "the broker's record of that retry (an embedded broker logs into this process: the demo)"),
            new Expected(NETWORK, Level.WARN, List.of("UNKNOWN_TOPIC_OR_PARTITION", "-repartition"),
                    "Kafka Streams' internal topics are being created at start-up"),
            new Expected(NETWORK, Level.WARN, List.of("UNKNOWN_TOPIC_OR_PARTITION", "-changelog"),
                    "Kafka Streams' internal topics are being created at start-up"),
            new Expected("kafka.server.DefaultAutoTopicCreationManager", Level.WARN, List.of("TOPIC_ALREADY_EXISTS"),
                    "two clients asked a new broker for an internal topic (__consumer_offsets) at once; it exists (an embedded broker: the demo)"),
            new Expected(NETWORK, Level.WARN, List.of("Attempting to close NetworkClient that has already been closed"),
                    "a broker in this process shutting down (the demo)"),
            new Expected("org.apache.kafka.clients.consumer.internals.OffsetFetcherUtils", Level.WARN,
                    List.of("global-consumer", "Not updating last stable offset", "as it is no longer assigned"),
                    "the global consumer restoring the budgets store releases its partitions when done; a late offset answer is dropped"),
            new Expected("org.apache.kafka.streams.StreamsConfig", Level.WARN, List.of("processing.exception.handler.global.enabled"),
                    "Tokenwatch sets it (StreamsSettings), but Kafka Streams also checks copies of the configuration made without it"));

    private final AtomicLong dropped = new AtomicLong();

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (level == null || level.levelInt < Level.WARN_INT || format == null) {
            return FilterReply.NEUTRAL;
        }
        for (Expected expected : EXPECTED) {
            if (level.equals(expected.level()) && logger.getName().equals(expected.logger())) {
                String text = format + (params == null ? "" : " " + Arrays.toString(params)) + (t == null ? "" : " " + t);
                if (expected.allOf().stream().allMatch(text::contains)) {
                    dropped.incrementAndGet();
                    return FilterReply.DENY;
                }
            }
        }
        return FilterReply.NEUTRAL;
    }

    /** Warnings dropped since start. */
    public long dropped() {
        return dropped.get();
    }

    /** The filter logback installed from its configuration, if it did. */
    public static Optional<ExpectedKafkaWarnings> installed() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            return context.getTurboFilterList().stream().filter(ExpectedKafkaWarnings.class::isInstance).map(ExpectedKafkaWarnings.class::cast).findFirst();
        }
        return Optional.empty();
    }

    /** Counts the dropped warnings on a process's meters ({@code tokenwatch_log_expected_kafka_warnings_total}). */
    public static void bindTo(MeterRegistry registry) {
        installed().ifPresent(filter -> FunctionCounter.builder("tokenwatch.log.expected.kafka.warnings", filter, ExpectedKafkaWarnings::dropped)
                .description("Kafka client warnings for expected, self-resolving situations, left out of the log").register(registry));
    }
}
