package io.tokenwatch.otlp;

import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.otlp.GenAiMapping;
import io.tokenwatch.otlp.OtlpReceiver;
import io.tokenwatch.producer.TokenwatchClient;
import io.tokenwatch.registry.LocalSchemaRegistryServer;
import io.tokenwatch.registry.TestCertificates;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.serde.KafkaAvroDeserializer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The OTLP intake against a schema registry that wants HTTP basic auth over TLS, with a certificate
 * the test makes: the intake's client gets the registry settings of the configuration (URL,
 * credentials, trust store), so a span becomes a call on Kafka instead of failing and spilling.
 */
class IntakeRegistrySecurityIT {

    @Test
    void aSpanReachesKafkaThroughARegistryThatWantsBasicAuthOverTls() throws Exception {
        TestCertificates certificates = TestCertificates.create();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.onFreePorts().start();
             LocalSchemaRegistryServer registry = new LocalSchemaRegistryServer("tokenwatch:registry-secret", certificates.serverContext())) {
            broker.createTopics(1, List.of("secure.calls", "secure.outcomes"));
            assertThat(registry.url()).startsWith("https://127.0.0.1:");
            Map<String, String> settings = new HashMap<>(Map.of("bootstrap.servers", broker.bootstrapServers(), "schema.registry.url", registry.url(),
                    "basic.auth.credentials.source", "USER_INFO", "basic.auth.user.info", "tokenwatch:registry-secret",
                    "schema.registry.ssl.truststore.location", certificates.trustStore().toString(),
                    "schema.registry.ssl.truststore.password", TestCertificates.PASSWORD,
                    "tokenwatch.topic.calls", "secure.calls", "tokenwatch.topic.outcomes", "secure.outcomes"));
            TokenwatchConfig config = TokenwatchConfig.of(settings);
            long end = System.currentTimeMillis() * 1_000_000L;
            byte[] export = ("""
                    {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "review-bot"}}]},
                      "scopeSpans": [{"spans": [{"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
                        "name": "chat claude-sonnet-4-5", "kind": 3, "startTimeUnixNano": "%d", "endTimeUnixNano": "%d",
                        "attributes": [
                          {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                          {"key": "gen_ai.provider.name", "value": {"stringValue": "anthropic"}},
                          {"key": "gen_ai.request.model", "value": {"stringValue": "claude-sonnet-4-5"}},
                          {"key": "gen_ai.response.id", "value": {"stringValue": "msg_secure_1"}},
                          {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "1200"}},
                          {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "350"}},
                          {"key": "gen_ai.workflow.name", "value": {"stringValue": "code-review"}}]}]}]}]}
                    """).formatted(end - 2_000_000_000L, end).getBytes(StandardCharsets.UTF_8);
            try (TokenwatchClient client = IntakeClient.builder(config, Files.createTempDirectory("tw-secure-spill")).build()) {
                OtlpReceiver receiver = new OtlpReceiver(client, GenAiMapping.defaultMapping(), 1 << 20, Optional.empty());
                OtlpReceiver.Response response = receiver.handle(new OtlpReceiver.Request(OtlpReceiver.JSON, null, null, new ByteArrayInputStream(export)));
                assertThat(response.status()).isEqualTo(200);
                await().atMost(Duration.ofSeconds(30)).until(() -> client.counts().sent() == 1);
                assertThat(client.counts().spilled()).as("nothing spilled: the registry took the schema").isZero();
                assertThat(client.counts().failed()).isZero();
            }
            Map<String, Object> readerSettings = new HashMap<>(config.serdeProperties());
            readerSettings.put("specific.avro.reader", "true");
            KafkaAvroDeserializer decoder = new KafkaAvroDeserializer();
            decoder.configure(readerSettings, false);
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, "secure-reader", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                    new StringDeserializer(), new ByteArrayDeserializer())) {
                consumer.subscribe(List.of("secure.calls"));
                LlmCall[] call = new LlmCall[1];
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        call[0] = (LlmCall) decoder.deserialize(r.topic(), r.value());
                    }
                    return call[0] != null;
                });
                assertThat(call[0].getCallId()).isEqualTo("msg_secure_1");
                assertThat(call[0].getTask()).isEqualTo("code-review");
                assertThat(call[0].getInputTokens()).isEqualTo(1_200);
            }
            assertThat(registry.requests()).as("every request carried the credentials (a wrong one is answered 401 and retried)")
                    .anyMatch(r -> r.startsWith("POST /subjects/secure.calls-value/versions"));
        }
    }
}
