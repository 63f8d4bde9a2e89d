package io.tokenwatch.streams.config;

import io.tokenwatch.runtime.config.CoreSettings;
import io.tokenwatch.runtime.config.SettingTypes;
import io.tokenwatch.runtime.config.SettingValues;
import io.tokenwatch.runtime.config.SettingsDeclaration;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.streams.anomaly.AnomalyRule;
import io.tokenwatch.streams.anomaly.EpisodePolicy;
import io.tokenwatch.streams.anomaly.Metric;
import io.tokenwatch.streams.topology.StreamsSettings;
import io.tokenwatch.streams.topology.TopologySettings;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The stream processor's settings ({@code run}): windows, event-time bounds, progress markers, the
 * dimensions stats are kept for, and the anomaly rule. The query API and the demo judge with the same.
 */
public final class PipelineSettings {
    private static final String WINDOW_SIZE = "tokenwatch.window.size";
    private static final String DIMENSIONS = "tokenwatch.dimensions";
    private static final String THRESHOLD = "tokenwatch.anomaly.threshold";
    private static final String SEVERITY_STEPS = "tokenwatch.anomaly.severity.steps";
    private static final String METRICS = "tokenwatch.anomaly.metrics";

    public static final ConfigDef DEFINITION = new ConfigDef()
            .define(WINDOW_SIZE, Type.STRING, "PT1H", ConfigDef.LambdaValidator.with((key, value) -> {
                Duration size = SettingTypes.parseDuration(key, (String) value);
                if (Duration.ofDays(1).toMillis() % size.toMillis() != 0) {
                    throw new ConfigException(key, value, "must divide a day evenly (e.g. PT1H, PT30M)");
                }
            }, () -> "a duration dividing a day"), Importance.HIGH, "Length of the stats windows the rule judges.")
            .define("tokenwatch.window.grace", Type.STRING, "PT1H", SettingTypes.POSITIVE_DURATION, Importance.MEDIUM,
                    "Calls later than their window's end plus this go to the DLQ as late.")
            .define("tokenwatch.outcome.window", Type.STRING, "PT24H", SettingTypes.POSITIVE_DURATION, Importance.MEDIUM,
                    "How long a call waits for its outcome.")
            .define("tokenwatch.outcome.grace", Type.STRING, "PT10M", SettingTypes.POSITIVE_DURATION, Importance.LOW,
                    "How late an outcome may still join its call.")
            .define("tokenwatch.session.gap", Type.STRING, "PT30M", SettingTypes.POSITIVE_DURATION, Importance.LOW,
                    "Inactivity that closes an agent session.")
            .define("tokenwatch.max.future", Type.STRING, "PT30M", SettingTypes.POSITIVE_DURATION, Importance.LOW,
                    "Events dated further ahead of the host's clock go to the DLQ as future.")
            .define("tokenwatch.watermark.idle", Type.STRING, "PT0.25S", SettingTypes.POSITIVE_DURATION, Importance.LOW,
                    "An input fetched to its end with nothing processed this long is idle: its watermark follows the clock.")
            .define("tokenwatch.watermark.interval", Type.STRING, "PT0.1S", SettingTypes.POSITIVE_DURATION, Importance.LOW,
                    "How often each join task tells the tasks downstream how far it has got.")
            .define(DIMENSIONS, Type.STRING, "task", ConfigDef.LambdaValidator.with((key, value) -> {
                for (String d : SettingTypes.list((String) value)) {
                    if (!CoreSettings.KNOWN_DIMENSIONS.contains(d)) {
                        throw new ConfigException(key, value, "unknown dimension '" + d + "'; known: " + CoreSettings.KNOWN_DIMENSIONS);
                    }
                }
            }, () -> String.join(", ", CoreSettings.KNOWN_DIMENSIONS)), Importance.HIGH,
                    "Comma-separated dimensions stats, baselines and alerts are kept for: task, feature, team, model, agent, prompt_version, environment.")
            .define(THRESHOLD, Type.DOUBLE, 0.30, ConfigDef.LambdaValidator.with((key, value) -> {
                if ((Double) value <= 0) {
                    throw new ConfigException(key, value, "must be > 0 (0.30 flags 30% above baseline)");
                }
            }, () -> "> 0"), Importance.HIGH, "A window this share above its 7-day baseline opens an alert (0.30 = 30%).")
            .define(SEVERITY_STEPS, Type.STRING, "2.0,3.0,5.0", ConfigDef.LambdaValidator.with((key, value) -> SettingTypes.list((String) value)
                    .forEach(step -> SettingTypes.parseDouble(key, step)), () -> "comma-separated ratios"), Importance.LOW,
                    "Ratios to the baseline at which an open alert escalates.")
            .define("tokenwatch.anomaly.min.window.calls", Type.LONG, 20L, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                    "Fewest calls in a window before it is judged.")
            .define("tokenwatch.anomaly.min.baseline.calls", Type.LONG, 200L, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                    "Fewest calls in the baseline before it is trusted.")
            .define("tokenwatch.anomaly.min.baseline.age", Type.STRING, "PT48H", SettingTypes.POSITIVE_DURATION, Importance.MEDIUM,
                    "Least history before a group's baseline is trusted.")
            .define("tokenwatch.anomaly.min.zscore", Type.DOUBLE, 5.0, Importance.LOW,
                    "Noise guard: the window must also be this many standard errors above the baseline.")
            .define(METRICS, Type.STRING, "all", ConfigDef.LambdaValidator.with((key, value) -> metrics(key, (String) value),
                    () -> "all, or metric ids"), Importance.MEDIUM, "Comma-separated metric ids the rule judges, or all.");

    private final TokenwatchConfig config;
    public final Duration windowSize;
    public final Duration windowGrace;
    public final Duration outcomeWindow;
    public final Duration outcomeGrace;
    public final Duration sessionGap;
    /** Events dated further ahead of the host's clock go to the dead-letter topic as {@code future}. */
    public final Duration maxFuture;
    /** An input caught up and quiet this long moves its watermark with the wall clock. */
    public final Duration watermarkIdle;
    /** How often each join task tells the tasks downstream how far it has got. */
    public final Duration watermarkInterval;
    public final List<String> dimensions;
    public final double threshold;
    public final double[] severitySteps;
    public final long minWindowCalls;
    public final long minBaselineCalls;
    public final Duration minBaselineAge;
    public final double minZScore;
    public final Set<Metric> metrics;

    private PipelineSettings(TokenwatchConfig config) {
        this.config = config;
        SettingValues v = config.values(DEFINITION);
        windowSize = v.duration(WINDOW_SIZE);
        windowGrace = v.duration("tokenwatch.window.grace");
        outcomeWindow = v.duration("tokenwatch.outcome.window");
        outcomeGrace = v.duration("tokenwatch.outcome.grace");
        sessionGap = v.duration("tokenwatch.session.gap");
        maxFuture = v.duration("tokenwatch.max.future");
        watermarkIdle = v.duration("tokenwatch.watermark.idle");
        watermarkInterval = v.duration("tokenwatch.watermark.interval");
        dimensions = v.list(DIMENSIONS);
        threshold = v.decimal(THRESHOLD);
        severitySteps = v.list(SEVERITY_STEPS).stream().mapToDouble(s -> SettingTypes.parseDouble(SEVERITY_STEPS, s)).toArray();
        minWindowCalls = v.longValue("tokenwatch.anomaly.min.window.calls");
        minBaselineCalls = v.longValue("tokenwatch.anomaly.min.baseline.calls");
        minBaselineAge = v.duration("tokenwatch.anomaly.min.baseline.age");
        minZScore = v.decimal("tokenwatch.anomaly.min.zscore");
        metrics = metrics(METRICS, v.string(METRICS));
    }

    public static PipelineSettings of(TokenwatchConfig config) {
        return new PipelineSettings(config);
    }

    private static Set<Metric> metrics(String key, String raw) {
        EnumSet<Metric> chosen = EnumSet.noneOf(Metric.class);
        for (String m : SettingTypes.list(raw)) {
            if (m.equals("all")) {
                chosen.addAll(EnumSet.allOf(Metric.class));
            } else {
                try {
                    chosen.add(Metric.fromId(m));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(key, m, "unknown metric; known: all, " + Arrays.stream(Metric.values()).map(Metric::id).toList());
                }
            }
        }
        return chosen.isEmpty() ? Set.copyOf(EnumSet.allOf(Metric.class)) : Set.copyOf(chosen);
    }

    /** What the topology needs of these settings (and nothing else). */
    public TopologySettings topology() {
        return new TopologySettings(new TopologySettings.TopicNames(config.callsTopic, config.outcomesTopic, config.joinedTopic, config.statsTopic,
                        config.sessionsTopic, config.alertsTopic, config.dlqTopic, config.budgetsTopic),
                config.valueSerdeClass, config.kafkaProperties(), config.registryUnavailableTimeout, windowSize, windowGrace, outcomeWindow, outcomeGrace,
                sessionGap, maxFuture, config.callBounds, watermarkIdle, watermarkInterval, dimensions, anomalyRule(),
                new EpisodePolicy(threshold, severitySteps, windowSize.toMillis()), metrics,
                StreamsSettings.of(config.kafkaProperties(), config.dlqTopic, config.topicReplication));
    }

    /** The anomaly rule these settings define; the detector and the query API judge with the same one. */
    public AnomalyRule anomalyRule() {
        return new AnomalyRule(threshold, minWindowCalls, minBaselineCalls, (int) (minBaselineAge.toMillis() / windowSize.toMillis()),
                slotsPerDay(), minZScore);
    }

    public int slotsPerDay() {
        return (int) (Duration.ofDays(1).toMillis() / windowSize.toMillis());
    }

    /** Registers the stream processor's keys with every process that carries it. */
    public static final class Declaration extends SettingsDeclaration {
        public Declaration() {
            super("Stream processor (run)", DEFINITION, PipelineSettings::of);
        }
    }
}
