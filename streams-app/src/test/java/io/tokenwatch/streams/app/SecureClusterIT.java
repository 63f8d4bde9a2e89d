package io.tokenwatch.streams.app;

import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.events.v1.JoinedCall;
import io.tokenwatch.events.v1.Outcome;
import io.tokenwatch.events.v1.OutcomeState;
import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.producer.CallReport;
import io.tokenwatch.producer.TokenUsage;
import io.tokenwatch.producer.TokenwatchClient;
import io.tokenwatch.registry.LocalSchemaRegistryServer;
import io.tokenwatch.registry.TestCertificates;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.schemas.Alerts;
import io.tokenwatch.serde.KafkaAvroDeserializer;
import io.tokenwatch.serde.KafkaAvroSerializer;
import io.tokenwatch.streams.cli.TokenwatchCli;
import io.tokenwatch.streams.demo.ProviderStandIns;
import io.tokenwatch.streams.support.FreePort;
import io.tokenwatch.streams.support.TokenwatchProcess;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tokenwatch on a secured cluster: a broker listener that takes SASL_SSL only (SCRAM-SHA-256, a
 * certificate the test makes with keytool) and a schema registry that wants basic auth over TLS.
 * producer-lib writes calls through them, {@code run} joins them, {@code budget}, {@code report} and
 * {@code notify-slack} do their jobs, all from the README's example properties file for a managed
 * cluster; a wrong password is one line and exit code 2.
 */
class SecureClusterIT {
    private static final String USER = "tokenwatch";
    private static final String PASSWORD = "scram-secret-42";
    private static final String REGISTRY_USER = "tokenwatch:registry-secret";
    private static final String API_TOKEN = "api-token-for-secure-cluster-it";

    @Test
    void everyCommandDoesItsJobThroughSaslSslAndARegistryWithBasicAuthOverTls() throws Exception {
        TestCertificates certificates = TestCertificates.create();
        int securePort = FreePort.pick();
        Map<String, String> listener = Map.of(
                "sasl.enabled.mechanisms", "SCRAM-SHA-256",
                "listener.name.secure.scram-sha-256.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                "listener.name.secure.ssl.keystore.location", certificates.keyStore().toString(),
                "listener.name.secure.ssl.keystore.password", TestCertificates.PASSWORD,
                "listener.name.secure.ssl.keystore.type", "PKCS12",
                "listener.name.secure.ssl.key.password", TestCertificates.PASSWORD);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.create(null, 0, listener).withListener("SECURE", "SASL_SSL", securePort).start();
             LocalSchemaRegistryServer registry = new LocalSchemaRegistryServer(REGISTRY_USER, certificates.serverContext())) {
            try (Admin admin = broker.admin()) {
                admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(USER,
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), PASSWORD))).all().get();
            }
            Path work = Files.createTempDirectory("tw-secure");
            Map<String, String> settings = secured(broker.bootstrapServers("SECURE"), registry.url(), certificates, PASSWORD);
            settings.putAll(TokenwatchProcess.instanceSettings(broker.bootstrapServers("SECURE"), registry.url(), "tokenwatch-secure",
                    work.resolve("state"), 2, FreePort.pick()));
            // The OTLP intake on, behind the API's token (it takes tokenwatch.http.token when it has none of its own).
            settings.put("tokenwatch.otlp.enabled", "true");
            settings.put("tokenwatch.http.token", API_TOKEN);
            TokenwatchConfig config = TokenwatchConfig.of(settings);
            Path properties = TokenwatchProcess.writeProperties(work.resolve("secure.properties"), config, Map.of("tokenwatch.topics.partitions", "2"));

            // run: preflight, topics, the topology and its admin clients, all through SASL_SSL.
            Process app = TokenwatchProcess.start(List.of("run", "--config", properties.toString()), Map.of(), work.resolve("run.log"));
            try {
                TokenwatchProcess.awaitReady(config.httpPort, app, work.resolve("run.log"));
                Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1));
                TokenwatchClient.Builder builder = TokenwatchClient.builder().bootstrapServers(broker.bootstrapServers("SECURE"))
                        .schemaRegistryUrl(registry.url()).spillDirectory(Files.createTempDirectory("tw-secure-spill"));
                // producer-lib takes the same client and registry settings (the topic settings are not its business).
                secured(broker.bootstrapServers("SECURE"), registry.url(), certificates, PASSWORD).forEach((key, value) -> {
                    if (!key.startsWith("tokenwatch.") && !key.equals("replication.factor")) {
                        builder.producerProperty(key, value);
                    }
                });
                try (TokenwatchClient client = builder.build()) {
                    for (int i = 0; i < 5; i++) {
                        String id = client.recordCall(CallReport.of("code-review", "claude-sonnet-4-5", TokenUsage.of(10_000, 1_000))
                                .callId("secure-" + i).timestamp(hour.plusSeconds(60L * i)).latencyMs(900));
                        client.recordOutcome(id, Outcome.ACCEPTED, "ci", null, hour.plusSeconds(60L * i + 30));
                    }
                    assertThat(client.flush(Duration.ofSeconds(60))).isTrue();
                    assertThat(client.counts().sent()).as(client.counts().toString()).isEqualTo(10);
                }
                Map<String, OutcomeState> joined = new HashMap<>();
                KafkaAvroDeserializer decoder = new KafkaAvroDeserializer();
                Map<String, Object> serde = new HashMap<>(config.serdeProperties());
                serde.put("specific.avro.reader", "true");
                decoder.configure(serde, false);
                try (KafkaConsumer<String, byte[]> consumer = TokenwatchProcess.readFromStart(broker.bootstrapServers(), List.of(config.joinedTopic))) {
                    await().atMost(Duration.ofMinutes(1)).until(() -> {
                        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                            joined.put(r.key(), ((JoinedCall) decoder.deserialize(r.topic(), r.value())).getOutcomeState());
                        }
                        return joined.size() == 5;
                    });
                }
                assertThat(joined.values()).containsOnly(OutcomeState.ACCEPTED);

                // The OTLP intake: a span posted to /v1/traces becomes a call, written by the intake's own producer through SASL_SSL.
                HttpResponse<String> export = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + config.httpPort + "/v1/traces")).header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + API_TOKEN).POST(HttpRequest.BodyPublishers.ofString(span(hour))).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(export.statusCode()).as(export.body()).isEqualTo(200);
                try (KafkaConsumer<String, byte[]> consumer = TokenwatchProcess.readFromStart(broker.bootstrapServers(), List.of(config.callsTopic))) {
                    List<String> calls = new java.util.ArrayList<>();
                    await().atMost(Duration.ofMinutes(1)).until(() -> {
                        consumer.poll(Duration.ofMillis(200)).forEach(r -> calls.add(r.key()));
                        return calls.contains("msg_secure_otlp");
                    });
                }

                // budget and report: their own admin, producer and consumers.
                Run set = cli("budget", "set", "--dimension", "task", "--group", "code-review", "--period", "day", "--usd", "10",
                        "--config", properties.toString());
                assertThat(set.exit()).as(set.err()).isZero();
                assertThat(cli("budget", "list", "--config", properties.toString()).out()).contains("task|code-review|day: $10.00 a day");
                Run report = cli("report", "--period", "P1D", "--config", properties.toString());
                assertThat(report.exit()).as(report.err()).isZero();
                assertThat(report.out()).contains("code-review");

                // The notifier reads an alert through the same settings (a dry run posts nothing).
                KafkaAvroSerializer serializer = new KafkaAvroSerializer();
                serializer.configure(config.serdeProperties(), false);
                AnomalyAlert alert = Alerts.alert("task", "code-review", "tokens_per_call", AlertStatus.OPEN, 1.625);
                try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                        new StringSerializer(), new ByteArraySerializer())) {
                    producer.send(new ProducerRecord<>(config.alertsTopic, alert.getAlertId(), serializer.serialize(config.alertsTopic, alert))).get();
                }
                Run notify = cli("notify-slack", "--dry-run", "--config", properties.toString());
                assertThat(notify.exit()).as(notify.err()).isZero();
                assertThat(notify.out()).contains("1 messages would be posted");

                // reconcile: its consumers read the captured calls and its transactional producer writes, through the same settings.
                Path key = Files.writeString(work.resolve("anthropic-admin-key"), "sk-ant-admin-secure-test");
                try (ProviderStandIns providers = new ProviderStandIns(24, (provider, request) -> { })) {
                    Run reconcile = cli("reconcile", "--once", "--config", properties.toString(),
                            "--set", "tokenwatch.reconcile.anthropic.base.url=" + providers.baseUrl(),
                            "--set", "tokenwatch.reconcile.anthropic.key.file=" + key, "--set", "tokenwatch.reconcile.settle=PT1M");
                    assertThat(reconcile.exit()).as(reconcile.err()).isZero();
                    assertThat(reconcile.out()).contains("record(s) to " + config.reconciliationTopic);
                    assertThat(reconcile.out() + reconcile.err()).doesNotContain("sk-ant-admin-secure-test");
                }
            } finally {
                app.destroy();
                app.waitFor();
            }

            // A wrong password: one line naming what failed, exit code 2, the password nowhere.
            Map<String, String> wrong = new HashMap<>(settings);
            wrong.putAll(secured(broker.bootstrapServers("SECURE"), registry.url(), certificates, "not-the-password"));
            Path wrongFile = TokenwatchProcess.writeProperties(work.resolve("wrong.properties"), TokenwatchConfig.of(wrong), Map.of());
            Run refused = cli("budget", "list", "--config", wrongFile.toString());
            assertThat(refused.exit()).isEqualTo(2);
            assertThat(refused.err().strip().lines()).as(refused.err()).hasSize(1);
            assertThat(refused.err().strip()).isEqualTo("Cannot start: Kafka at bootstrap.servers=" + broker.bootstrapServers("SECURE")
                    + " refused the credentials (security.protocol=SASL_SSL, sasl.mechanism=SCRAM-SHA-256; see sasl.jaas.config):"
                    + " Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256");
            assertThat(refused.err()).doesNotContain("not-the-password");
        }
    }

    /**
     * The README's example for a managed cluster ({@code docs/examples/managed-cluster.properties}) with its
     * placeholders filled in for this broker and registry, as a user would; replication 1 on a single broker.
     */
    private static Map<String, String> secured(String bootstrap, String registryUrl, TestCertificates certificates, String password) throws IOException {
        String example = Files.readString(Path.of("..", "docs", "examples", "managed-cluster.properties"));
        Map<String, String> values = Map.of("BOOTSTRAP_SERVERS", bootstrap, "KAFKA_USER", USER, "KAFKA_PASSWORD", password,
                "TRUSTSTORE", certificates.trustStore().toString(), "TRUSTSTORE_PASSWORD", TestCertificates.PASSWORD,
                "SCHEMA_REGISTRY_URL", registryUrl, "REGISTRY_USER_INFO", REGISTRY_USER);
        for (Map.Entry<String, String> value : values.entrySet()) {
            example = example.replace("${" + value.getKey() + "}", value.getValue());
        }
        Properties props = new Properties();
        props.load(new StringReader(example));
        Map<String, String> settings = new HashMap<>();
        props.stringPropertyNames().forEach(key -> settings.put(key, props.getProperty(key)));
        assertThat(settings.values()).as("every placeholder of the example filled in").noneMatch(value -> value.contains("${"));
        settings.put("replication.factor", "1");
        settings.put("tokenwatch.topics.replication", "1");
        return settings;
    }

    /** One GenAI span as OTLP/JSON, as a JavaScript or Python exporter sends it. */
    private static String span(Instant start) {
        long nanos = start.plusSeconds(600).toEpochMilli() * 1_000_000L;
        return "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"review-bot\"}}]},"
                + "\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\","
                + "\"name\":\"chat claude-sonnet-4-5\",\"startTimeUnixNano\":\"" + nanos + "\",\"endTimeUnixNano\":\"" + (nanos + 900_000_000L) + "\","
                + "\"attributes\":[{\"key\":\"gen_ai.operation.name\",\"value\":{\"stringValue\":\"chat\"}},"
                + "{\"key\":\"gen_ai.provider.name\",\"value\":{\"stringValue\":\"anthropic\"}},"
                + "{\"key\":\"gen_ai.request.model\",\"value\":{\"stringValue\":\"claude-sonnet-4-5\"}},"
                + "{\"key\":\"gen_ai.response.id\",\"value\":{\"stringValue\":\"msg_secure_otlp\"}},"
                + "{\"key\":\"gen_ai.workflow.name\",\"value\":{\"stringValue\":\"code-review\"}},"
                + "{\"key\":\"gen_ai.usage.input_tokens\",\"value\":{\"intValue\":\"1200\"}},"
                + "{\"key\":\"gen_ai.usage.output_tokens\",\"value\":{\"intValue\":\"300\"}}]}]}]}]}";
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = TokenwatchCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }
}
