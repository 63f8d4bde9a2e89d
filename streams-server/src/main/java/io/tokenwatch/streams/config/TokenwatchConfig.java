package io.tokenwatch.streams.config;

import io.tokenwatch.otlp.GenAiMapping;
import io.tokenwatch.streams.anomaly.AnomalyRule;
import io.tokenwatch.streams.anomaly.EpisodePolicy;
import io.tokenwatch.streams.anomaly.Metric;
import io.tokenwatch.streams.topology.CallBounds;
import io.tokenwatch.streams.topology.StreamsSettings;
import io.tokenwatch.streams.topology.TopologySettings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * All of streams-app's settings. Sources, later ones win: built-in defaults, a properties file,
 * environment variables, explicit overrides. Keys starting with {@code tokenwatch.} are the
 * pipeline's own; every other key goes to Kafka Streams and the serdes (e.g. {@code bootstrap.servers},
 * {@code schema.registry.url}). Environment: {@code TOKENWATCH_ANOMALY_THRESHOLD} sets
 * {@code tokenwatch.anomaly.threshold}; {@code TOKENWATCH_KAFKA_BOOTSTRAP_SERVERS} sets
 * {@code bootstrap.servers}. Every value is checked at load: a bad one stops start-up naming its key.
 */
public final class TokenwatchConfig {
    public static final String PREFIX = "tokenwatch.";
    private static final String ENV_PREFIX = "TOKENWATCH_";
    private static final String ENV_KAFKA_PREFIX = "TOKENWATCH_KAFKA_";

    /** Every pipeline key with its default, in the order the README lists them. */
    public static final Map<String, String> DEFAULTS = defaults();

    public final String callsTopic;
    public final String outcomesTopic;
    public final String joinedTopic;
    public final String statsTopic;
    public final String sessionsTopic;
    public final String alertsTopic;
    public final String budgetsTopic;
    public final String dlqTopic;
    public final int topicPartitions;
    public final short topicReplication;
    public final Duration windowSize;
    public final Duration windowGrace;
    public final Duration outcomeWindow;
    public final Duration outcomeGrace;
    public final Duration sessionGap;
    /** Events dated further ahead of the host's clock go to the dead-letter topic as {@code future}. */
    public final Duration maxFuture;
    public final CallBounds callBounds;
    /** An input caught up and quiet this long moves its watermark with the wall clock. */
    public final Duration watermarkIdle;
    /** How often each join task tells the tasks downstream how far it has got. */
    public final Duration watermarkInterval;
    /** How long decoding waits for an unreachable schema registry before the instance fails. */
    public final Duration registryUnavailableTimeout;
    public final List<String> dimensions;
    public final double threshold;
    public final double[] severitySteps;
    public final long minWindowCalls;
    public final long minBaselineCalls;
    public final Duration minBaselineAge;
    public final double minZScore;
    public final Set<Metric> metrics;
    public final String valueSerdeClass;
    public final int httpPort;
    /** The interface the HTTP port listens on ({@code tokenwatch.http.address}, loopback by default). */
    public final String httpAddress;
    /** Bearer token protecting {@code /api/*}; empty for none. */
    public final Optional<String> httpToken;
    public final SlackSettings slack;
    public final OtlpSettings otlp;
    public final ReconcileSettings reconcile;
    private final Map<String, String> kafka;

    public static final Set<String> KNOWN_DIMENSIONS = Set.of("task", "feature", "team", "model", "agent", "prompt_version", "environment");

    private TokenwatchConfig(Map<String, String> all) {
        Map<String, String> own = new TreeMap<>();
        Map<String, String> kafkaProps = new TreeMap<>();
        all.forEach((k, v) -> (k.startsWith(PREFIX) ? own : kafkaProps).put(k, v));
        for (String key : own.keySet()) {
            if (!DEFAULTS.containsKey(key)) {
                throw new ConfigException(key, shown(key, own.get(key)), "unknown setting; " + nearest(key, DEFAULTS.keySet())
                        .map(k -> "did you mean " + k + "?").orElse("known: " + String.join(", ", DEFAULTS.keySet())));
            }
        }
        for (String key : kafkaProps.keySet()) {
            if (!KafkaSettingNames.isKnown(key)) {
                throw new ConfigException(key, shown(key, kafkaProps.get(key)), "unknown setting (not a tokenwatch.*, Kafka Streams, client, topic or serde key)"
                        + nearest(key, KafkaSettingNames.all()).map(k -> "; did you mean " + k + "?").orElse(""));
            }
        }
        Map<String, String> v = new LinkedHashMap<>(DEFAULTS);
        v.putAll(own);
        callsTopic = topic(v, "tokenwatch.topic.calls");
        outcomesTopic = topic(v, "tokenwatch.topic.outcomes");
        joinedTopic = topic(v, "tokenwatch.topic.joined");
        statsTopic = topic(v, "tokenwatch.topic.stats");
        sessionsTopic = topic(v, "tokenwatch.topic.sessions");
        alertsTopic = topic(v, "tokenwatch.topic.alerts");
        budgetsTopic = topic(v, "tokenwatch.topic.budgets");
        dlqTopic = topic(v, "tokenwatch.topic.dlq");
        topicPartitions = (int) positive(v, "tokenwatch.topics.partitions");
        long replication = number(v, "tokenwatch.topics.replication");
        if (replication == 0 || replication < -1) {
            throw new ConfigException("tokenwatch.topics.replication", replication, "must be -1 (broker default) or at least 1");
        }
        topicReplication = (short) replication;
        windowSize = duration(v, "tokenwatch.window.size");
        if (Duration.ofDays(1).toMillis() % windowSize.toMillis() != 0) {
            throw new ConfigException("tokenwatch.window.size", v.get("tokenwatch.window.size"), "must divide a day evenly (e.g. PT1H, PT30M)");
        }
        windowGrace = duration(v, "tokenwatch.window.grace");
        outcomeWindow = duration(v, "tokenwatch.outcome.window");
        outcomeGrace = duration(v, "tokenwatch.outcome.grace");
        sessionGap = duration(v, "tokenwatch.session.gap");
        maxFuture = duration(v, "tokenwatch.max.future");
        try {
            callBounds = new CallBounds(positive(v, "tokenwatch.max.tokens.per.call"), (int) Math.min(Integer.MAX_VALUE, positive(v, "tokenwatch.max.label.length")));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("tokenwatch.max.tokens.per.call", v.get("tokenwatch.max.tokens.per.call"), e.getMessage());
        }
        watermarkIdle = duration(v, "tokenwatch.watermark.idle");
        watermarkInterval = duration(v, "tokenwatch.watermark.interval");
        registryUnavailableTimeout = duration(v, "tokenwatch.registry.unavailable.timeout");
        dimensions = list(v, "tokenwatch.dimensions");
        for (String d : dimensions) {
            if (!KNOWN_DIMENSIONS.contains(d)) {
                throw new ConfigException("tokenwatch.dimensions", v.get("tokenwatch.dimensions"), "unknown dimension '" + d + "'; known: " + KNOWN_DIMENSIONS);
            }
        }
        threshold = decimal(v, "tokenwatch.anomaly.threshold");
        if (threshold <= 0) {
            throw new ConfigException("tokenwatch.anomaly.threshold", threshold, "must be > 0 (0.30 flags 30% above baseline)");
        }
        severitySteps = list(v, "tokenwatch.anomaly.severity.steps").stream().mapToDouble(s -> parseDouble("tokenwatch.anomaly.severity.steps", s)).toArray();
        minWindowCalls = number(v, "tokenwatch.anomaly.min.window.calls");
        minBaselineCalls = number(v, "tokenwatch.anomaly.min.baseline.calls");
        minBaselineAge = duration(v, "tokenwatch.anomaly.min.baseline.age");
        minZScore = decimal(v, "tokenwatch.anomaly.min.zscore");
        EnumSet<Metric> chosen = EnumSet.noneOf(Metric.class);
        for (String m : list(v, "tokenwatch.anomaly.metrics")) {
            if (m.equals("all")) {
                chosen.addAll(EnumSet.allOf(Metric.class));
            } else {
                try {
                    chosen.add(Metric.fromId(m));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("tokenwatch.anomaly.metrics", m, "unknown metric; known: all, "
                            + Arrays.stream(Metric.values()).map(Metric::id).toList());
                }
            }
        }
        metrics = Set.copyOf(chosen);
        valueSerdeClass = v.get("tokenwatch.serde.value");
        httpPort = (int) number(v, "tokenwatch.http.port");
        httpAddress = v.get("tokenwatch.http.address").trim();
        if (httpAddress.isEmpty()) {
            throw new ConfigException("tokenwatch.http.address", "", "an interface address to listen on (127.0.0.1, or 0.0.0.0 for every interface)");
        }
        httpToken = Optional.of(v.get("tokenwatch.http.token").trim()).filter(t -> !t.isEmpty());
        slack = new SlackSettings(topic(v, "tokenwatch.topic.notified"), v.get("tokenwatch.slack.group.id").trim(),
                SlackSettings.parseRoutes(v.get("tokenwatch.slack.routes")), optionalPath(v.get("tokenwatch.slack.webhooks.file")),
                v.get("tokenwatch.slack.dashboard.url").trim(), duration(v, "tokenwatch.slack.min.interval"),
                (int) positive(v, "tokenwatch.slack.storm.per.minute"), duration(v, "tokenwatch.slack.timeout"),
                duration(v, "tokenwatch.slack.max.backoff"), Boolean.parseBoolean(v.get("tokenwatch.slack.post.resolved").trim()));
        Map<GenAiMapping.Field, List<String>> attributeLists = new EnumMap<>(GenAiMapping.Field.class);
        for (GenAiMapping.Field field : GenAiMapping.Field.values()) {
            attributeLists.put(field, list(v, OtlpSettings.MAP_PREFIX + field.setting));
        }
        Optional<String> otlpToken = Optional.of(v.get("tokenwatch.otlp.token").trim()).filter(t -> !t.isEmpty());
        otlp = new OtlpSettings(Boolean.parseBoolean(v.get("tokenwatch.otlp.enabled").trim()), otlpToken.or(() -> httpToken),
                positive(v, "tokenwatch.otlp.max.body.bytes"),
                optionalPath(v.get("tokenwatch.otlp.spill.dir")).orElseGet(() -> Path.of(kafkaProps.getOrDefault(StreamsConfig.STATE_DIR_CONFIG,
                        System.getProperty("java.io.tmpdir") + "/kafka-streams")).resolve("otlp-spill")),
                Optional.of(v.get("tokenwatch.otlp.topic").trim()).filter(t -> !t.isEmpty()), GenAiMapping.of(attributeLists));
        double tolerance = decimal(v, "tokenwatch.reconcile.tolerance");
        if (!(tolerance >= 0 && tolerance < 1)) {
            throw new ConfigException("tokenwatch.reconcile.tolerance", tolerance, "must be at least 0 and below 1 (0.05 = 5 %)");
        }
        reconcile = new ReconcileSettings(topic(v, "tokenwatch.topic.reconciliation"), URI.create(v.get("tokenwatch.reconcile.anthropic.base.url").trim()),
                URI.create(v.get("tokenwatch.reconcile.openai.base.url").trim()), optionalPath(v.get("tokenwatch.reconcile.anthropic.key.file")),
                optionalPath(v.get("tokenwatch.reconcile.openai.key.file")), duration(v, "tokenwatch.reconcile.lookback"),
                duration(v, "tokenwatch.reconcile.model.memory"),
                duration(v, "tokenwatch.reconcile.settle"), duration(v, "tokenwatch.reconcile.interval"), tolerance,
                duration(v, "tokenwatch.reconcile.timeout"), duration(v, "tokenwatch.reconcile.max.backoff"),
                v.get("tokenwatch.reconcile.transactional.id").trim());
        kafka = Map.copyOf(kafkaProps);
        if (!kafka.containsKey("schema.registry.url")) {
            throw new ConfigException("schema.registry.url", null, "required (http(s)://host:port, or mock://scope for an in-process registry)");
        }
        if (!kafka.containsKey(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new ConfigException(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, null, "required (set it in the properties file or TOKENWATCH_KAFKA_BOOTSTRAP_SERVERS)");
        }
    }

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("tokenwatch.topic.calls", "llm.calls.v1");
        d.put("tokenwatch.topic.outcomes", "llm.outcomes.v1");
        d.put("tokenwatch.topic.joined", "llm.calls.joined.v1");
        d.put("tokenwatch.topic.stats", "llm.task-stats.v1");
        d.put("tokenwatch.topic.sessions", "llm.sessions.v1");
        d.put("tokenwatch.topic.alerts", "llm.alerts.v1");
        d.put("tokenwatch.topic.budgets", "llm.budgets.v1");
        d.put("tokenwatch.topic.dlq", "llm.dlq.v1");
        d.put("tokenwatch.topics.partitions", "4");
        d.put("tokenwatch.topics.replication", "-1");
        d.put("tokenwatch.window.size", "PT1H");
        d.put("tokenwatch.window.grace", "PT1H");
        d.put("tokenwatch.outcome.window", "PT24H");
        d.put("tokenwatch.outcome.grace", "PT10M");
        d.put("tokenwatch.session.gap", "PT30M");
        d.put("tokenwatch.max.future", "PT30M");
        d.put("tokenwatch.max.tokens.per.call", Long.toString(CallBounds.DEFAULT.maxTokens()));
        d.put("tokenwatch.max.label.length", Integer.toString(CallBounds.DEFAULT.maxLabelLength()));
        d.put("tokenwatch.watermark.idle", "PT0.25S");
        d.put("tokenwatch.watermark.interval", "PT0.1S");
        d.put("tokenwatch.registry.unavailable.timeout", "PT2M");
        d.put("tokenwatch.dimensions", "task");
        d.put("tokenwatch.anomaly.threshold", "0.30");
        d.put("tokenwatch.anomaly.severity.steps", "2.0,3.0,5.0");
        d.put("tokenwatch.anomaly.min.window.calls", "20");
        d.put("tokenwatch.anomaly.min.baseline.calls", "200");
        d.put("tokenwatch.anomaly.min.baseline.age", "PT48H");
        d.put("tokenwatch.anomaly.min.zscore", "5.0");
        d.put("tokenwatch.anomaly.metrics", "all");
        d.put("tokenwatch.serde.value", "io.tokenwatch.serde.SpecificAvroSerde");
        d.put("tokenwatch.http.port", "8080");
        // Loopback unless an address is configured: the dashboard, API and ingest are not for the whole network by accident.
        d.put("tokenwatch.http.address", "127.0.0.1");
        d.put("tokenwatch.http.token", "");
        d.put("tokenwatch.topic.notified", "llm.alerts.notified.v1");
        d.put("tokenwatch.slack.group.id", "tokenwatch-slack-notifier");
        d.put("tokenwatch.slack.routes", "");
        d.put("tokenwatch.slack.webhooks.file", "");
        d.put("tokenwatch.slack.dashboard.url", "");
        d.put("tokenwatch.slack.min.interval", "PT1S");
        d.put("tokenwatch.slack.storm.per.minute", "10");
        d.put("tokenwatch.slack.timeout", "PT10S");
        d.put("tokenwatch.slack.max.backoff", "PT5M");
        d.put("tokenwatch.slack.post.resolved", "true");
        d.put("tokenwatch.topic.reconciliation", "llm.reconciliation.v1");
        d.put("tokenwatch.reconcile.anthropic.base.url", "https://api.anthropic.com");
        d.put("tokenwatch.reconcile.openai.base.url", "https://api.openai.com");
        d.put("tokenwatch.reconcile.anthropic.key.file", "");
        d.put("tokenwatch.reconcile.openai.key.file", "");
        d.put("tokenwatch.reconcile.lookback", "PT24H");
        d.put("tokenwatch.reconcile.model.memory", "P7D");
        d.put("tokenwatch.reconcile.settle", "PT2H");
        d.put("tokenwatch.reconcile.interval", "PT1H");
        d.put("tokenwatch.reconcile.tolerance", "0.05");
        d.put("tokenwatch.reconcile.timeout", "PT30S");
        d.put("tokenwatch.reconcile.max.backoff", "PT5M");
        d.put("tokenwatch.reconcile.transactional.id", "tokenwatch-reconciler");
        d.put("tokenwatch.otlp.enabled", "true");
        d.put("tokenwatch.otlp.token", "");
        d.put("tokenwatch.otlp.max.body.bytes", Long.toString(4L * 1024 * 1024));
        d.put("tokenwatch.otlp.spill.dir", "");
        d.put("tokenwatch.otlp.topic", "");
        GenAiMapping.DEFAULTS.forEach((field, keys) -> d.put(OtlpSettings.MAP_PREFIX + field.setting, String.join(",", keys)));
        return Collections.unmodifiableMap(d);
    }

    /** Loads defaults, then {@code file} (may be null), then {@code env}, then {@code overrides}. */
    public static TokenwatchConfig load(Path file, Map<String, String> env, Map<String, String> overrides) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put(StreamsConfig.APPLICATION_ID_CONFIG, "tokenwatch");
        all.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // Kafka Streams' 10 MB record cache is thrashed by calls waiting for their outcome (a day of them);
        // 64 MB keeps hot groups' state in it between commits: 28% fewer changelog writes (docs/PERFORMANCE.md).
        all.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, Long.toString(64L * 1024 * 1024));
        // Restoring writes each poll to RocksDB as one batch: bigger polls, faster restore (2.9x -> 2.3x a plain read of the changelogs).
        all.put(StreamsConfig.restoreConsumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), "10000");
        if (file != null) {
            if (!Files.isReadable(file)) {
                throw new ConfigException("--config", file.toString(), Files.exists(file) ? "file not readable" : "no such file");
            }
            Properties props = new Properties();
            try (InputStream in = Files.newInputStream(file)) {
                props.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read config file " + file, e);
            }
            props.stringPropertyNames().forEach(k -> all.put(k, props.getProperty(k).trim()));
        }
        env.forEach((k, val) -> {
            if (k.startsWith(SlackSettings.WEBHOOK_ENV_PREFIX)) {
                return; // webhook URLs are secrets, read only by the notifier and never part of the logged configuration
            }
            if (k.startsWith(ENV_KAFKA_PREFIX)) {
                all.put(k.substring(ENV_KAFKA_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'), val);
            } else if (k.startsWith(ENV_PREFIX)) {
                all.put(PREFIX + k.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'), val);
            }
        });
        all.putAll(overrides);
        return new TokenwatchConfig(all);
    }

    /** A misspelt password, token, JAAS or webhook key still holds a secret: errors name the key, not the value. */
    private static String shown(String key, String value) {
        String name = key.startsWith(PREFIX) ? key.substring(PREFIX.length()) : key;
        return name.matches(".*(password|secret|jaas|token|user\\.info|webho|\\bkey\\b).*") ? "(hidden)" : value;
    }

    /** The known key closest to {@code key} by edit distance, when it is close enough to be a typo (at most 3 edits). */
    static Optional<String> nearest(String key, Set<String> known) {
        return known.stream().map(k -> Map.entry(k, editDistance(key, k))).filter(e -> e.getValue() <= 3)
                .min(Map.Entry.comparingByValue()).map(Map.Entry::getKey);
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    public static TokenwatchConfig of(Map<String, String> settings) {
        return load(null, Map.of(), settings);
    }

    /** Kafka Streams and serde properties (everything not starting with {@code tokenwatch.}). */
    public Map<String, String> kafkaProperties() {
        return kafka;
    }

    /**
     * The Kafka settings a plain client of the given kind accepts ({@code ConsumerConfig.configNames()},
     * {@code ProducerConfig...}, {@code AdminClientConfig...}): bootstrap servers and the cluster's
     * security settings, without the Streams-only and serde keys the client would warn about.
     */
    public Map<String, Object> clientProperties(Set<String> clientConfigNames) {
        Map<String, Object> props = new HashMap<>(kafka);
        props.keySet().retainAll(clientConfigNames);
        return props;
    }

    /** The serde settings (registry URL, credentials, TLS trust, decode limits), for a client that builds its own serdes. */
    public Map<String, Object> serdeProperties() {
        Map<String, Object> props = new HashMap<>(kafka);
        props.keySet().removeIf(key -> !KafkaSettingNames.isSerdeKey(key));
        return props;
    }

    private Properties streamsProperties() {
        Properties props = new Properties();
        props.putAll(kafka);
        return props;
    }

    /** What the topology needs of these settings (and nothing else). */
    public TopologySettings topology() {
        return new TopologySettings(new TopologySettings.TopicNames(callsTopic, outcomesTopic, joinedTopic, statsTopic, sessionsTopic, alertsTopic, dlqTopic,
                        budgetsTopic),
                valueSerdeClass, kafka, registryUnavailableTimeout, windowSize, windowGrace, outcomeWindow, outcomeGrace, sessionGap, maxFuture,
                callBounds, watermarkIdle, watermarkInterval, dimensions, anomalyRule(), new EpisodePolicy(threshold, severitySteps, windowSize.toMillis()),
                metrics.isEmpty() ? EnumSet.allOf(Metric.class) : metrics, StreamsSettings.of(streamsProperties(), dlqTopic, topicReplication));
    }

    /** The anomaly rule these settings define; the detector and the query API judge with the same one. */
    public AnomalyRule anomalyRule() {
        return new AnomalyRule(threshold, minWindowCalls, minBaselineCalls, (int) (minBaselineAge.toMillis() / windowSize.toMillis()),
                slotsPerDay(), minZScore);
    }

    public int slotsPerDay() {
        return (int) (Duration.ofDays(1).toMillis() / windowSize.toMillis());
    }

    public List<String> outputTopics() {
        return List.of(joinedTopic, statsTopic, sessionsTopic, alertsTopic, dlqTopic);
    }

    private static String topic(Map<String, String> v, String key) {
        String name = v.get(key).trim();
        if (name.isEmpty() || !name.matches("[a-zA-Z0-9._-]{1,249}")) {
            throw new ConfigException(key, name, "not a valid topic name");
        }
        return name;
    }

    private static Duration duration(Map<String, String> v, String key) {
        String raw = v.get(key).trim();
        try {
            Duration d = Duration.parse(raw.toUpperCase(Locale.ROOT));
            if (d.isNegative() || d.isZero()) {
                throw new ConfigException(key, raw, "must be positive");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new ConfigException(key, raw, "expected an ISO-8601 duration such as PT1H, PT30M, P7D");
        }
    }

    private static Optional<Path> optionalPath(String raw) {
        return raw.isBlank() ? Optional.empty() : Optional.of(Path.of(raw.trim()));
    }

    private static long number(Map<String, String> v, String key) {
        try {
            return Long.parseLong(v.get(key).trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, v.get(key), "expected a whole number");
        }
    }

    private static long positive(Map<String, String> v, String key) {
        long n = number(v, key);
        if (n <= 0) {
            throw new ConfigException(key, n, "must be positive");
        }
        return n;
    }

    private static double decimal(Map<String, String> v, String key) {
        return parseDouble(key, v.get(key));
    }

    private static double parseDouble(String key, String raw) {
        try {
            return Double.parseDouble(raw.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, raw, "expected a number");
        }
    }

    private static List<String> list(Map<String, String> v, String key) {
        return Arrays.stream(v.get(key).split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
