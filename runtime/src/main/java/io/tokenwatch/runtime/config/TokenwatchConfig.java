package io.tokenwatch.runtime.config;

import io.tokenwatch.schemas.CallBounds;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A process's loaded configuration. Sources, later ones win: built-in defaults, a properties file,
 * environment variables, explicit overrides ({@code --set}). Keys starting with {@code tokenwatch.} are
 * declared by the components ({@link SettingsDeclaration}); every other key goes to Kafka and the serdes
 * (e.g. {@code bootstrap.servers}, {@code schema.registry.url}). Environment: {@code TOKENWATCH_ANOMALY_THRESHOLD}
 * sets {@code tokenwatch.anomaly.threshold}; {@code TOKENWATCH_KAFKA_BOOTSTRAP_SERVERS} sets {@code bootstrap.servers}.
 * Every key of every component on the class path is checked at load: an unknown key or a bad value stops
 * start-up naming its key, never echoing a secret.
 */
public final class TokenwatchConfig {
    public static final String PREFIX = "tokenwatch.";
    private static final String ENV_PREFIX = "TOKENWATCH_";
    private static final String ENV_KAFKA_PREFIX = "TOKENWATCH_KAFKA_";
    /** Environment variables under this prefix are secrets other than settings (Slack webhook URLs) and never part of the configuration. */
    private static final String ENV_SECRET_PREFIX = "TOKENWATCH_SLACK_WEBHOOK_";

    public final String callsTopic;
    public final String outcomesTopic;
    public final String joinedTopic;
    public final String statsTopic;
    public final String sessionsTopic;
    public final String alertsTopic;
    public final String budgetsTopic;
    public final String dlqTopic;
    public final String reconciliationTopic;
    public final int topicPartitions;
    public final short topicReplication;
    public final String valueSerdeClass;
    /** How long decoding waits for an unreachable schema registry before the instance fails. */
    public final Duration registryUnavailableTimeout;
    public final CallBounds callBounds;
    public final int httpPort;
    /** The interface the HTTP port listens on ({@code tokenwatch.http.address}, loopback by default). */
    public final String httpAddress;
    /** Bearer token protecting {@code /api/*}; empty for none. */
    public final Optional<String> httpToken;
    /** The operator opted out of the token for an API other hosts reach. */
    public final boolean httpAllowUnauthenticated;
    /** Host names the dashboard and API answer to besides loopback and the bound address. */
    public final List<String> httpAllowedHosts;
    /** The HTTP port's key store, when it serves HTTPS. */
    public final Optional<KeyStoreFile> httpTls;

    private final Map<String, String> own;
    private final Map<String, String> kafka;

    private TokenwatchConfig(Map<String, String> all, List<SettingsDeclaration> declarations) {
        Map<String, String> ownProps = new TreeMap<>();
        Map<String, String> kafkaProps = new TreeMap<>();
        all.forEach((k, v) -> (k.startsWith(PREFIX) ? ownProps : kafkaProps).put(k, v));
        Set<String> declared = new TreeSet<>();
        declarations.forEach(d -> declared.addAll(d.definition().names()));
        for (String key : ownProps.keySet()) {
            if (!declared.contains(key)) {
                Optional<String> nearest = nearest(key, declared);
                throw new ConfigException(key, shown(key, nearest, ownProps.get(key)), "unknown setting; " + nearest
                        .map(k -> "did you mean " + k + "?").orElse("known: " + String.join(", ", declared)));
            }
        }
        for (String key : kafkaProps.keySet()) {
            if (!KafkaSettingNames.isKnown(key)) {
                Optional<String> nearest = nearest(key, KafkaSettingNames.all());
                throw new ConfigException(key, shown(key, nearest, kafkaProps.get(key)), "unknown setting (not a tokenwatch.*, Kafka Streams, client, topic or serde key)"
                        + nearest.map(k -> "; did you mean " + k + "?").orElse(""));
            }
        }
        own = Map.copyOf(ownProps);
        kafka = Map.copyOf(kafkaProps);
        for (SettingsDeclaration declaration : declarations) {
            values(declaration.definition());
        }
        SettingValues core = values(CoreSettings.DEFINITION);
        callsTopic = core.string("tokenwatch.topic.calls");
        outcomesTopic = core.string("tokenwatch.topic.outcomes");
        joinedTopic = core.string("tokenwatch.topic.joined");
        statsTopic = core.string("tokenwatch.topic.stats");
        sessionsTopic = core.string("tokenwatch.topic.sessions");
        alertsTopic = core.string("tokenwatch.topic.alerts");
        budgetsTopic = core.string("tokenwatch.topic.budgets");
        dlqTopic = core.string("tokenwatch.topic.dlq");
        reconciliationTopic = core.string("tokenwatch.topic.reconciliation");
        topicPartitions = core.integer("tokenwatch.topics.partitions");
        topicReplication = (short) core.integer("tokenwatch.topics.replication");
        valueSerdeClass = core.string("tokenwatch.serde.value");
        registryUnavailableTimeout = core.duration("tokenwatch.registry.unavailable.timeout");
        callBounds = new CallBounds(core.longValue(CoreSettings.MAX_TOKENS_PER_CALL), core.integer(CoreSettings.MAX_LABEL_LENGTH));
        httpPort = core.integer(CoreSettings.HTTP_PORT);
        httpAddress = core.string(CoreSettings.HTTP_ADDRESS);
        httpToken = core.secret(CoreSettings.HTTP_TOKEN);
        httpAllowUnauthenticated = core.bool(CoreSettings.HTTP_ALLOW_UNAUTHENTICATED);
        httpAllowedHosts = core.list(CoreSettings.HTTP_ALLOWED_HOSTS);
        httpTls = core.optionalPath(CoreSettings.HTTP_TLS_KEYSTORE).map(path -> new KeyStoreFile(path,
                core.string(CoreSettings.HTTP_TLS_KEYSTORE_TYPE), core.secret(CoreSettings.HTTP_TLS_KEYSTORE_PASSWORD).orElse("")));
        httpTls.ifPresent(tls -> {
            if (!Files.isReadable(tls.path())) {
                throw new ConfigException(CoreSettings.HTTP_TLS_KEYSTORE, tls.path().toString(), Files.exists(tls.path()) ? "file not readable" : "no such file");
            }
        });
        if (!kafka.containsKey("schema.registry.url")) {
            throw new ConfigException("schema.registry.url", null, "required (http(s)://host:port, or mock://scope for an in-process registry)");
        }
        if (!kafka.containsKey(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new ConfigException(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, null, "required (set it in the properties file or TOKENWATCH_KAFKA_BOOTSTRAP_SERVERS)");
        }
    }

    /** Every component's declaration on the class path, the shared one first. */
    public static List<SettingsDeclaration> declarations() {
        List<SettingsDeclaration> found = new ArrayList<>();
        ServiceLoader.load(SettingsDeclaration.class, TokenwatchConfig.class.getClassLoader()).forEach(found::add);
        found.sort((a, b) -> a instanceof CoreSettings ? -1 : b instanceof CoreSettings ? 1 : a.component().compareTo(b.component()));
        return List.copyOf(found);
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
            if (k.startsWith(ENV_SECRET_PREFIX)) {
                return;
            }
            if (k.startsWith(ENV_KAFKA_PREFIX)) {
                all.put(k.substring(ENV_KAFKA_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'), val);
            } else if (k.startsWith(ENV_PREFIX)) {
                all.put(PREFIX + k.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'), val);
            }
        });
        all.putAll(overrides);
        List<SettingsDeclaration> declarations = declarations();
        TokenwatchConfig config = new TokenwatchConfig(all, declarations);
        declarations.forEach(d -> d.check(config));
        return config;
    }

    public static TokenwatchConfig of(Map<String, String> settings) {
        return load(null, Map.of(), settings);
    }

    /** A component's settings, parsed and validated by its definition. */
    public SettingValues values(ConfigDef definition) {
        return new SettingValues(definition, own);
    }

    /**
     * A misspelt password, token, JAAS or webhook key still holds a secret: when the key, or the known key it is
     * nearest to, looks like one, errors name the key, not the value.
     */
    private static String shown(String key, Optional<String> nearest, String value) {
        return looksSecret(key) || nearest.filter(TokenwatchConfig::looksSecret).isPresent() ? "(hidden)" : value;
    }

    private static boolean looksSecret(String key) {
        String name = key.startsWith(PREFIX) ? key.substring(PREFIX.length()) : key;
        return name.matches(".*(password|secret|jaas|token|user\\.info|webho|\\bkey\\b).*");
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

    /** The topics the stream processor writes. */
    public List<String> outputTopics() {
        return List.of(joinedTopic, statsTopic, sessionsTopic, alertsTopic, dlqTopic);
    }
}
