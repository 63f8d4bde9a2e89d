package io.tokenwatch.streams.topology;

import io.tokenwatch.schemas.CallBounds;
import io.tokenwatch.streams.anomaly.AnomalyRule;
import io.tokenwatch.streams.anomaly.EpisodePolicy;
import io.tokenwatch.streams.anomaly.Metric;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * What the topology needs of the configuration, and nothing else (no Slack, HTTP or command-line
 * settings reach it): built from {@code TokenwatchConfig#topology()}.
 *
 * @param topicNames       calls, outcomes, joined, stats, sessions, alerts, dead-letter and budgets topics
 * @param serdeClass       the value serde of the user-facing topics ({@code tokenwatch.serde.value})
 * @param serdeConfig      what the serdes read ({@code schema.registry.url} and friends)
 * @param streams          the Kafka Streams properties, with what the pipeline relies on ({@link StreamsSettings})
 */
public record TopologySettings(TopicNames topicNames, String serdeClass, Map<String, String> serdeConfig, Duration registryUnavailableTimeout,
                               Duration window, Duration windowGrace, Duration outcomeWindow, Duration outcomeGrace, Duration sessionGap,
                               Duration maxFuture, CallBounds callBounds, Duration watermarkIdle, Duration watermarkInterval, List<String> dimensions,
                               AnomalyRule rule, EpisodePolicy episodes, Set<Metric> metrics, Properties streams) {

    /** The names of the topics users see. */
    public record TopicNames(String calls, String outcomes, String joined, String stats, String sessions, String alerts, String deadLetters,
                             String budgets) {
    }
}
