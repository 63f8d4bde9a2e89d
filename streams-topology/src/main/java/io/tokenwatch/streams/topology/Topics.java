package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.events.v1.Budget;
import io.tokenwatch.events.v1.CallOutcome;
import io.tokenwatch.events.v1.GroupWindowStats;
import io.tokenwatch.events.v1.JoinedCall;
import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.SessionSummary;
import io.tokenwatch.streams.errors.SchemaRegistryOutage;
import io.tokenwatch.streams.ordering.MarkersToEveryPartition;
import io.tokenwatch.streams.ordering.Sequenced;
import io.tokenwatch.streams.topology.DeltaBatcher.Stage;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;

import java.time.Duration;
import java.util.Map;

/**
 * Every topic the topology reads or writes, each named once together with its key and value serdes:
 * the inputs, the outputs, the dead-letter topic, the budgets and the two internal repartition topics.
 */
public record Topics(Topic<String, LlmCall> calls, Topic<String, CallOutcome> outcomes, Topic<String, JoinedCall> joined,
                     Topic<String, GroupWindowStats> stats, Topic<String, SessionSummary> sessions, Topic<String, AnomalyAlert> alerts,
                     Topic<byte[], byte[]> deadLetters, Topic<String, Budget> budgets, Topic<String, Sequenced> groupDeltas,
                     Topic<String, Sequenced> sessionDeltas) {

    /** A topic's name and the serdes of its keys and values. */
    public record Topic<K, V>(String name, Serde<K> keys, Serde<V> values) {
        /**
         * Read with the values left as bytes: they are decoded in the topology, so a bad record reaches
         * the dead-letter topic through the same handler, with its original bytes, as every other rejection.
         */
        Consumed<K, byte[]> undecoded(String processorName) {
            return Consumed.with(keys, Serdes.ByteArray()).withName(processorName);
        }

        Produced<K, V> produced(String processorName) {
            return Produced.with(keys, values).withName(processorName);
        }
    }

    /**
     * The configured serde class for every user-facing topic, each wrapped so that an unreachable
     * schema registry pauses and retries (then fails the instance) instead of failing the record: a
     * registry outage is not bad input, on the way in or out. Built by reflection from a class name,
     * so a user with Confluent's jars swaps in {@code io.confluent.kafka.streams.serdes.avro.SpecificAvroSerde}
     * through {@code tokenwatch.serde.value} alone; both read {@code schema.registry.url} and friends.
     */
    public static Topics of(TopologySettings settings) {
        SchemaRegistryOutage outage = new SchemaRegistryOutage(settings.registryUnavailableTimeout());
        Map<String, String> serdeConfig = settings.serdeConfig();
        String serdeClass = settings.serdeClass();
        TopologySettings.TopicNames names = settings.topicNames();
        return new Topics(
                new Topic<>(names.calls(), Serdes.String(), outage.wrap(create(serdeClass, serdeConfig))),
                new Topic<>(names.outcomes(), Serdes.String(), outage.wrap(create(serdeClass, serdeConfig))),
                new Topic<>(names.joined(), Serdes.String(), outage.wrap(create(serdeClass, serdeConfig))),
                new Topic<>(names.stats(), Serdes.String(), outage.wrap(create(serdeClass, serdeConfig))),
                new Topic<>(names.sessions(), Serdes.String(), outage.wrap(create(serdeClass, serdeConfig))),
                new Topic<>(names.alerts(), Serdes.String(), outage.wrap(create(serdeClass, serdeConfig))),
                new Topic<>(names.deadLetters(), Serdes.ByteArray(), Serdes.ByteArray()),
                new Topic<>(names.budgets(), Serdes.String(), outage.wrap(create(serdeClass, serdeConfig))),
                new Topic<>(Stage.GROUP.topic(), Serdes.String(), Sequenced.serde()),
                new Topic<>(Stage.SESSION.topic(), Serdes.String(), Sequenced.serde()));
    }

    /**
     * One user-facing topic's value serde, built and wrapped as {@link #of(TopologySettings)} builds them, for a
     * process that writes the pipeline's topics without running its topology (the OTLP topic intake).
     */
    public static <T extends SpecificRecord> Serde<T> valueSerde(String serdeClass, Map<String, ?> serdeConfig, Duration registryUnavailableTimeout) {
        return new SchemaRegistryOutage(registryUnavailableTimeout).wrap(create(serdeClass, serdeConfig));
    }

    /** The repartition topic of a stage's delta batches and progress markers (the markers go to every partition). */
    Repartitioned<String, Sequenced> repartition(Stage stage) {
        Topic<String, Sequenced> topic = stage == Stage.GROUP ? groupDeltas : sessionDeltas;
        return Repartitioned.with(topic.keys(), topic.values()).withName(topic.name()).withStreamPartitioner(new MarkersToEveryPartition<>());
    }

    @SuppressWarnings("unchecked")
    private static <T extends SpecificRecord> Serde<T> create(String serdeClass, Map<String, ?> config) {
        Serde<T> serde;
        try {
            serde = (Serde<T>) Class.forName(serdeClass).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new ConfigException("tokenwatch.serde.value", serdeClass, "cannot create a Serde from it: " + e);
        }
        serde.configure(config, false);
        return serde;
    }
}
