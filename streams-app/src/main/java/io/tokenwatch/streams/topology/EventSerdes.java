package io.tokenwatch.streams.topology;

import io.tokenwatch.streams.config.TokenwatchConfig;
import io.tokenwatch.streams.errors.SchemaRegistryOutage;
import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.events.v1.CallOutcome;
import io.tokenwatch.events.v1.GroupWindowStats;
import io.tokenwatch.events.v1.JoinedCall;
import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.SessionSummary;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serde;

import java.util.Map;

/**
 * The serdes of the user-facing topics. Built by reflection from a class name, so a user with
 * Confluent's jars swaps in {@code io.confluent.kafka.streams.serdes.avro.SpecificAvroSerde} through
 * {@code tokenwatch.serde.value} alone; both read {@code schema.registry.url} and friends.
 */
public record EventSerdes(Serde<LlmCall> calls, Serde<CallOutcome> outcomes, Serde<JoinedCall> joined,
                          Serde<GroupWindowStats> stats, Serde<SessionSummary> sessions, Serde<AnomalyAlert> alerts) {

    /**
     * The configured serde class for every topic, each wrapped so that an unreachable schema registry
     * pauses and retries (then fails the instance) instead of failing the record: a registry outage is
     * not bad input, on the way in or out.
     */
    public static EventSerdes of(TokenwatchConfig config) {
        SchemaRegistryOutage outage = new SchemaRegistryOutage(config.registryUnavailableTimeout);
        String serdeClass = config.valueSerdeClass;
        Map<String, String> serdeConfig = config.kafkaProperties();
        return new EventSerdes(outage.wrap(create(serdeClass, serdeConfig)), outage.wrap(create(serdeClass, serdeConfig)),
                outage.wrap(create(serdeClass, serdeConfig)), outage.wrap(create(serdeClass, serdeConfig)),
                outage.wrap(create(serdeClass, serdeConfig)), outage.wrap(create(serdeClass, serdeConfig)));
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
