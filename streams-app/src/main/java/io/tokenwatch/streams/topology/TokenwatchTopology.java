package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.SessionSummary;
import io.tokenwatch.serde.AvroBinary;
import io.tokenwatch.streams.anomaly.EpisodePolicy;
import io.tokenwatch.streams.anomaly.Metric;
import io.tokenwatch.streams.config.TokenwatchConfig;
import io.tokenwatch.streams.topology.CallDelta.Attribute;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.state.Stores;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The one place the Tokenwatch topology is built; it reads like the design:
 * <pre>
 *   calls ─┐
 *          ├─ join-calls-with-outcomes ─┬─ joined calls ─────────────────────────► llm.calls.joined.v1
 *   outcomes┘  (dedupe, lateness, DLQ)  ├─ deltas by dimension=group ─ group-anomaly-detector ─┬─► llm.task-stats.v1
 *                                        │                                                       └─► llm.alerts.v1
 *                                        └─ deltas by session ─ session-totals ────────────────────► llm.sessions.v1
 * </pre>
 * Records the pipeline refuses go to the dead-letter topic through {@code DeadLetterHandler}.
 */
public final class TokenwatchTopology {

    private TokenwatchTopology() {
    }

    public static Topology build(TokenwatchConfig config, EventSerdes serdes, PipelineMetrics metrics) {
        StreamsBuilder builder = new StreamsBuilder();
        // Stores are cached: hot groups are updated many times per commit, and only the last value
        // needs to reach the changelog (and, for sessions, the output topic).
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CallOutcomeJoiner.PENDING_CALLS), Serdes.String(), Serdes.ByteArray()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CallOutcomeJoiner.EARLY_OUTCOMES), Serdes.String(), Serdes.ByteArray()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CallOutcomeJoiner.DEADLINES), Serdes.Bytes(), Serdes.ByteArray()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(GroupAnomalyDetector.WINDOW_SUMS), Serdes.Bytes(), Serdes.ByteArray()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(GroupAnomalyDetector.BASELINES), Serdes.String(), Serdes.ByteArray()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(GroupAnomalyDetector.CONTRIBUTORS), Serdes.String(), Serdes.ByteArray()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(GroupAnomalyDetector.EPISODES), Serdes.String(), Serdes.ByteArray()).withCachingEnabled());

        // Values are decoded in the topology, not at the source, so a bad record reaches the
        // dead-letter topic through the same handler, with its original bytes, as every other rejection.
        var callReader = serdes.calls().deserializer();
        var outcomeReader = serdes.outcomes().deserializer();
        KStream<String, JoinInput> calls = builder.stream(config.callsTopic, Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("calls"))
                .mapValues(bytes -> {
                    LlmCall call = callReader.deserialize(config.callsTopic, bytes);
                    metrics.callIn(call == null || call.getPriced());
                    return JoinInput.of(call);
                }, Named.as("decode-call"));
        KStream<String, JoinInput> outcomes = builder.stream(config.outcomesTopic, Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("outcomes"))
                .mapValues(bytes -> {
                    metrics.outcomeIn();
                    return JoinInput.of(outcomeReader.deserialize(config.outcomesTopic, bytes));
                }, Named.as("decode-outcome"));

        KStream<String, JoinOutput> joins = calls.merge(outcomes, Named.as("calls-and-outcomes"))
                .process(() -> new CallOutcomeJoiner(config.windowSize, config.windowGrace, config.outcomeWindow, config.outcomeGrace),
                        Named.as("join-calls-with-outcomes"),
                        CallOutcomeJoiner.PENDING_CALLS, CallOutcomeJoiner.EARLY_OUTCOMES, CallOutcomeJoiner.DEADLINES);

        joins.filter((id, out) -> out.joined() != null, Named.as("has-joined-call"))
                .mapValues(JoinOutput::joined, Named.as("joined-call"))
                .peek((id, joined) -> metrics.joined(), Named.as("count-joined"))
                .to(config.joinedTopic, Produced.with(Serdes.String(), serdes.joined()).withName("joined-calls"));

        KStream<String, CallDelta> deltas = joins.filter((id, out) -> out.delta() != null, Named.as("has-delta"))
                .mapValues(JoinOutput::delta, Named.as("delta"));

        List<Attribute> dimensions = config.dimensions.stream().map(Attribute::ofDimension).toList();
        KStream<String, GroupOutput> groupOutputs = deltas
                .flatMap((id, delta) -> dimensions.stream().filter(d -> delta.attribute(d) != null)
                        .map(d -> KeyValue.pair(d.dimension() + "|" + delta.attribute(d), delta))
                        .collect(Collectors.toCollection(ArrayList::new)), Named.as("by-dimension-group"))
                .repartition(Repartitioned.with(Serdes.String(), CallDelta.serde()).withName("group-deltas"))
                .process(() -> new GroupAnomalyDetector(config.windowSize, config.anomalyRule(),
                                new EpisodePolicy(config.threshold, config.severitySteps, config.windowSize.toMillis()),
                                config.metrics.isEmpty() ? java.util.EnumSet.allOf(Metric.class) : config.metrics),
                        Named.as("group-anomaly-detector"),
                        GroupAnomalyDetector.WINDOW_SUMS, GroupAnomalyDetector.BASELINES, GroupAnomalyDetector.CONTRIBUTORS, GroupAnomalyDetector.EPISODES);
        groupOutputs.filter((k, out) -> out.stats() != null, Named.as("is-window-stats"))
                .mapValues(GroupOutput::stats, Named.as("window-stats"))
                .to(config.statsTopic, Produced.with(Serdes.String(), serdes.stats()).withName("window-stats-out"));
        groupOutputs.filter((k, out) -> out.alert() != null, Named.as("is-alert"))
                .mapValues(GroupOutput::alert, Named.as("alert"))
                .peek((id, alert) -> metrics.alert(alert), Named.as("count-alert"))
                .to(config.alertsTopic, Produced.with(Serdes.String(), serdes.alerts()).withName("alerts-out"));

        // Outcome deltas carry their call's time and may come a whole outcome window later.
        java.time.Duration sessionGrace = config.outcomeWindow.plus(config.outcomeGrace).plus(config.windowGrace);
        AvroBinary<SessionSummary> sessionCodec = new AvroBinary<>(SessionSummary.class);
        deltas.filter((id, delta) -> delta.attribute(Attribute.SESSION) != null, Named.as("has-session"))
                .selectKey((id, delta) -> delta.attribute(Attribute.SESSION), Named.as("by-session"))
                .repartition(Repartitioned.with(Serdes.String(), CallDelta.serde()).withName("session-deltas"))
                .groupByKey()
                .windowedBy(SessionWindows.ofInactivityGapAndGrace(config.sessionGap, sessionGrace))
                .aggregate(() -> null, (session, delta, totals) -> OutputRecords.addToSession(totals, delta),
                        (session, a, b) -> OutputRecords.mergeSessions(a, b), Named.as("session-totals"),
                        Materialized.<String, SessionSummary, org.apache.kafka.streams.state.SessionStore<Bytes, byte[]>>as("session-totals")
                                .withKeySerde(Serdes.String()).withValueSerde(sessionCodec.serde()))
                .toStream(Named.as("session-updates"))
                .map((window, totals) -> KeyValue.pair(window.key() + "|" + Instant.ofEpochMilli(window.window().start()),
                        totals == null ? null : SessionSummary.newBuilder(totals)
                                .setStart(Instant.ofEpochMilli(window.window().start())).setEnd(Instant.ofEpochMilli(window.window().end())).build()),
                        Named.as("session-summary"))
                .to(config.sessionsTopic, Produced.with(Serdes.String(), serdes.sessions()).withName("sessions-out"));
        return builder.build();
    }
}
