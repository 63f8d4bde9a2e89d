package io.tokenwatch.runtime.config;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenwatchConfigTest {
    private static final Map<String, String> REQUIRED = Map.of("bootstrap.servers", "k:9092", "schema.registry.url", "http://sr:8081");

    @Test
    void fileThenEnvironmentThenOverrides() throws Exception {
        Path file = Files.createTempFile("tw", ".properties");
        Files.writeString(file, "bootstrap.servers=file:9092\nschema.registry.url=http://sr:8081\ntokenwatch.topics.partitions=8\n"
                + "tokenwatch.topic.alerts=file.alerts\ntokenwatch.test.greeting=file\n");
        TokenwatchConfig config = TokenwatchConfig.load(file,
                Map.of("TOKENWATCH_TOPICS_PARTITIONS", "12", "TOKENWATCH_KAFKA_BOOTSTRAP_SERVERS", "env:9092", "TOKENWATCH_TEST_GREETING", "env",
                        "PATH", "/bin"),
                Map.of("tokenwatch.test.greeting", "set"));
        assertThat(config.topicPartitions).isEqualTo(12);
        assertThat(config.alertsTopic).isEqualTo("file.alerts");
        assertThat(TestComponentSettings.greeting(config)).isEqualTo("set");
        assertThat(config.kafkaProperties()).containsEntry("bootstrap.servers", "env:9092")
                .containsEntry("processing.guarantee", "exactly_once_v2").containsEntry("application.id", "tokenwatch");
        assertThat(config.callsTopic).isEqualTo("llm.calls.v1");
        assertThat(config.httpAddress).isEqualTo("127.0.0.1");
        assertThat(config.httpToken).isEmpty();
    }

    @Test
    void badValuesOfAnyDeclaredComponentStopStartUpNamingTheKey() {
        List<Map.Entry<String, String>> bad = List.of(
                Map.entry("tokenwatch.topics.partitions", "lots"),
                Map.entry("tokenwatch.topics.replication", "0"),
                Map.entry("tokenwatch.registry.unavailable.timeout", "two minutes"),
                Map.entry("tokenwatch.topic.alerts", "no spaces allowed"),
                Map.entry("tokenwatch.max.tokens.per.call", Long.toString((1L << 40) + 1)),
                Map.entry("tokenwatch.http.port", "70000"),
                Map.entry("tokenwatch.test.greeting", "shout"),
                Map.entry("tokenwatch.topics.partitons", "4"));
        for (Map.Entry<String, String> entry : bad) {
            Map<String, String> settings = new java.util.HashMap<>(REQUIRED);
            settings.put(entry.getKey(), entry.getValue());
            assertThatThrownBy(() -> TokenwatchConfig.of(settings)).as(entry.getKey())
                    .isInstanceOf(ConfigException.class).hasMessageContaining(entry.getKey());
        }
        Map<String, String> typo = new java.util.HashMap<>(REQUIRED);
        typo.put("tokenwatch.test.greting", "hello");
        assertThatThrownBy(() -> TokenwatchConfig.of(typo)).hasMessageContaining("did you mean tokenwatch.test.greeting?");
        assertThatThrownBy(() -> TokenwatchConfig.of(Map.of("schema.registry.url", "mock://x")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("bootstrap.servers");
    }

    @Test
    void aSecretSettingIsNeverEchoed() {
        Map<String, String> settings = new java.util.HashMap<>(REQUIRED);
        settings.put("tokenwatch.http.token", "s3cret-token");
        TokenwatchConfig config = TokenwatchConfig.of(settings);
        assertThat(config.httpToken).contains("s3cret-token");
        settings.put("tokenwatch.http.tokn", "s3cret-token");
        assertThatThrownBy(() -> TokenwatchConfig.of(settings)).hasMessageContaining("(hidden)").hasMessageNotContaining("s3cret");
    }

    @Test
    void plainClientsGetTheClusterSettingsButNotStreamsOrSerdeKeys() {
        TokenwatchConfig config = TokenwatchConfig.of(Map.of("bootstrap.servers", "b:9093", "schema.registry.url", "http://r:8081",
                "security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512", "application.id", "tw", "num.standby.replicas", "1"));
        assertThat(config.clientProperties(AdminClientConfig.configNames())).containsOnlyKeys("bootstrap.servers", "security.protocol", "sasl.mechanism")
                .containsEntry("security.protocol", "SASL_SSL");
    }

    @Test
    void unknownKafkaKeysAreRefusedWithTheNearestKnownOneWhileConfluentSerdeAndPrefixedClientKeysPass() {
        Map<String, String> accepted = new java.util.HashMap<>(REQUIRED);
        accepted.putAll(Map.of("bearer.auth.token", "t", "schema.registry.ssl.keystore.location", "/ks.p12", "max.schemas.per.subject", "100",
                "consumer.max.poll.records", "500", "main.consumer.fetch.max.wait.ms", "50", "producer.linger.ms", "5",
                "topic.min.insync.replicas", "2", "admin.retries", "3", "sasl.jaas.config", "x required;", "num.standby.replicas", "1"));
        assertThat(TokenwatchConfig.of(accepted).kafkaProperties()).containsAllEntriesOf(accepted);

        Map<String, String> typo = new java.util.HashMap<>(REQUIRED);
        typo.put("num.standby.replica", "1");
        assertThatThrownBy(() -> TokenwatchConfig.of(typo)).isInstanceOf(ConfigException.class).hasMessage(
                "Invalid value 1 for configuration num.standby.replica: unknown setting (not a tokenwatch.*, Kafka Streams, client, topic or serde key);"
                        + " did you mean num.standby.replicas?");

        Map<String, String> secretTypo = new java.util.HashMap<>(REQUIRED);
        secretTypo.put("sasl.jaas.confg", "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"s3cret\";");
        assertThatThrownBy(() -> TokenwatchConfig.of(secretTypo)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("Invalid value (hidden) for configuration sasl.jaas.confg").hasMessageContaining("did you mean sasl.jaas.config?")
                .hasMessageNotContaining("s3cret");

        Map<String, String> prefixedTypo = new java.util.HashMap<>(REQUIRED);
        prefixedTypo.put("consumer.max.pol.records", "500");
        assertThatThrownBy(() -> TokenwatchConfig.of(prefixedTypo)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("configuration consumer.max.pol.records: unknown setting");

        Map<String, String> otherProduct = new java.util.HashMap<>(REQUIRED);
        otherProduct.put("spring.kafka.bootstrap-servers", "k:9092");
        assertThatThrownBy(() -> TokenwatchConfig.of(otherProduct)).isInstanceOf(ConfigException.class)
                .hasMessage("Invalid value k:9092 for configuration spring.kafka.bootstrap-servers: unknown setting (not a tokenwatch.*, Kafka Streams, client, topic or serde key)");
    }
}
