package io.tokenwatch.runtime.config;

import io.tokenwatch.schemas.CallBounds;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

import java.util.Set;

/**
 * What every process shares: the topics (they are the contract between the components), how they are
 * created, the serde, the bounds every reader of calls applies, and the operator HTTP port.
 */
public final class CoreSettings extends SettingsDeclaration {
    public static final String HTTP_PORT = "tokenwatch.http.port";
    public static final String HTTP_ADDRESS = "tokenwatch.http.address";
    public static final String HTTP_TOKEN = "tokenwatch.http.token";
    public static final String HTTP_ALLOW_UNAUTHENTICATED = "tokenwatch.http.allow.unauthenticated";
    public static final String HTTP_ALLOWED_HOSTS = "tokenwatch.http.allowed.hosts";
    public static final String HTTP_TLS_KEYSTORE = "tokenwatch.http.tls.keystore.location";
    public static final String HTTP_TLS_KEYSTORE_TYPE = "tokenwatch.http.tls.keystore.type";
    public static final String HTTP_TLS_KEYSTORE_PASSWORD = "tokenwatch.http.tls.keystore.password";
    public static final String MAX_TOKENS_PER_CALL = "tokenwatch.max.tokens.per.call";
    public static final String MAX_LABEL_LENGTH = "tokenwatch.max.label.length";

    /** Attribution dimensions an event carries and a rule, route or budget may name. */
    public static final Set<String> KNOWN_DIMENSIONS = Set.of("task", "feature", "team", "model", "agent", "prompt_version", "environment");

    public static final ConfigDef DEFINITION = new ConfigDef()
            .define("tokenwatch.topic.calls", Type.STRING, "llm.calls.v1", SettingTypes.TOPIC_NAME, Importance.HIGH, "Input: one record per model call.")
            .define("tokenwatch.topic.outcomes", Type.STRING, "llm.outcomes.v1", SettingTypes.TOPIC_NAME, Importance.HIGH,
                    "Input: reviewer or CI verdicts on a call's response.")
            .define("tokenwatch.topic.joined", Type.STRING, "llm.calls.joined.v1", SettingTypes.TOPIC_NAME, Importance.HIGH,
                    "Calls with their outcome, for the warehouse (LogAppendTime).")
            .define("tokenwatch.topic.stats", Type.STRING, "llm.task-stats.v1", SettingTypes.TOPIC_NAME, Importance.HIGH,
                    "Windowed statistics per group and metric (compacted).")
            .define("tokenwatch.topic.sessions", Type.STRING, "llm.sessions.v1", SettingTypes.TOPIC_NAME, Importance.HIGH,
                    "Per-session totals (compacted).")
            .define("tokenwatch.topic.alerts", Type.STRING, "llm.alerts.v1", SettingTypes.TOPIC_NAME, Importance.HIGH,
                    "Alert updates: opened, escalated, resolved (compacted).")
            .define("tokenwatch.topic.budgets", Type.STRING, "llm.budgets.v1", SettingTypes.TOPIC_NAME, Importance.HIGH,
                    "Budget definitions written by the budget command (compacted).")
            .define("tokenwatch.topic.dlq", Type.STRING, "llm.dlq.v1", SettingTypes.TOPIC_NAME, Importance.HIGH,
                    "Dead letters: rejected input with a reason, never its text (LogAppendTime).")
            .define("tokenwatch.topic.reconciliation", Type.STRING, "llm.reconciliation.v1", SettingTypes.TOPIC_NAME, Importance.MEDIUM,
                    "Reconciled hours against the providers' usage reports (compacted).")
            .define("tokenwatch.topics.partitions", Type.INT, 4, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    "Partitions of the topics Tokenwatch creates (existing topics are left as they are).")
            .define("tokenwatch.topics.replication", Type.INT, -1, ConfigDef.LambdaValidator.with((key, value) -> {
                int replication = (Integer) value;
                if (replication == 0 || replication < -1 || replication > Short.MAX_VALUE) {
                    throw new ConfigException(key, replication, "must be -1 (broker default) or at least 1");
                }
            }, () -> "-1 (broker default) or at least 1"), Importance.MEDIUM, "Replication factor of the topics Tokenwatch creates.")
            .define("tokenwatch.serde.value", Type.STRING, "io.tokenwatch.serde.SpecificAvroSerde", Importance.LOW,
                    "Value serde class; Confluent's io.confluent.kafka.streams.serdes.avro.SpecificAvroSerde works too.")
            .define("tokenwatch.registry.unavailable.timeout", Type.STRING, "PT2M", SettingTypes.POSITIVE_DURATION, Importance.LOW,
                    "How long a reader waits for an unreachable or refusing schema registry before the process stops (uncommitted).")
            .define(MAX_TOKENS_PER_CALL, Type.LONG, CallBounds.DEFAULT.maxTokens(), ConfigDef.Range.between(1, CallBounds.TOKENS_CEILING),
                    Importance.LOW, "Largest token count one call may claim; above it the call is dead-lettered as too-large.")
            .define(MAX_LABEL_LENGTH, Type.INT, CallBounds.DEFAULT.maxLabelLength(), ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Longest attribution label or id, in characters; longer ones are dead-lettered as label-too-long.")
            .define(HTTP_PORT, Type.INT, 8080, ConfigDef.Range.between(0, 65535), Importance.MEDIUM,
                    "The operator HTTP port: health, metrics and, for run, the dashboard, API and OTLP intake (0 picks a free port).")
            .define(HTTP_ADDRESS, Type.STRING, "127.0.0.1", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "The interface the HTTP port listens on: loopback unless set (0.0.0.0 for every interface).")
            .define(HTTP_TOKEN, Type.PASSWORD, "", Importance.HIGH,
                    "Bearer token the API (/api/*) requires; instances of one application share it (peers sign their requests with it, it never travels).")
            .define(HTTP_ALLOW_UNAUTHENTICATED, Type.BOOLEAN, false, Importance.HIGH,
                    "Serve the API without a token on an address other hosts reach; without it, run refuses to start so.")
            .define(HTTP_ALLOWED_HOSTS, Type.STRING, "", Importance.MEDIUM,
                    "Host names the dashboard and API answer to besides loopback and the bound address (DNS-rebinding guard); empty with 0.0.0.0: any.")
            .define(HTTP_TLS_KEYSTORE, Type.STRING, "", Importance.MEDIUM,
                    "A key store with the HTTP port's key and certificate: the port then serves HTTPS only; empty for plain HTTP.")
            .define(HTTP_TLS_KEYSTORE_TYPE, Type.STRING, "PKCS12", ConfigDef.ValidString.in("PKCS12", "JKS"), Importance.LOW,
                    "The key store's type.")
            .define(HTTP_TLS_KEYSTORE_PASSWORD, Type.PASSWORD, "", Importance.MEDIUM, "The key store's password.");

    public CoreSettings() {
        super("Topics, input bounds and the HTTP port (every process)", DEFINITION, config -> { }); // read by TokenwatchConfig itself
    }
}
