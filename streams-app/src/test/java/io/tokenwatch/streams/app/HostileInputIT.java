package io.tokenwatch.streams.app;

import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.events.v1.CallOutcome;
import io.tokenwatch.events.v1.JoinedCall;
import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.Outcome;
import io.tokenwatch.events.v1.OutcomeState;
import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.registry.LocalSchemaRegistryServer;
import io.tokenwatch.registry.RestSchemaRegistryClient;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.kafka.TopicSetup;
import io.tokenwatch.schemas.Alerts;
import io.tokenwatch.serde.AvroBinary;
import io.tokenwatch.serde.KafkaAvroDeserializer;
import io.tokenwatch.serde.KafkaAvroSerializer;
import io.tokenwatch.streams.errors.DeadLetterHandler;
import io.tokenwatch.streams.support.FreePort;
import io.tokenwatch.streams.support.TokenwatchProcess;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hostile input on a real broker, for the app as its own JVM under a 256 MB heap. First eight sockets
 * holding half-sent requests on its HTTP port: the probe still answers within a second. Then records: a 10-byte
 * record declaring a 2 GB string, and declared bytes, array and map lengths of 2 billion; absurd and
 * overflowing token counts, a negative one, a 100 KB task name. Each lands on the dead-letter topic
 * with its reason, the JVM stays up, and a valid call and outcome written after them are joined. The
 * Slack notifier reads the same bombs on its alerts topic and goes on to the valid alert behind them.
 * Then the registry answers 503, 401 and 429 to lookups of schemas the app has not seen: the calls
 * wait for it and are joined, nothing is dead-lettered.
 */
class HostileInputIT {
    /** Zig-zag varint of 2,000,000,000: what each bomb declares as its length or count. */
    private static final byte[] TWO_BILLION = {(byte) 0x80, (byte) 0xd0, (byte) 0xac, (byte) 0xf3, 0x0e};

    private static EmbeddedKafkaBroker broker;
    private static LocalSchemaRegistryServer registry;
    private static KafkaProducer<String, byte[]> producer;
    private static KafkaAvroSerializer avro;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedKafkaBroker.onFreePorts().start();
        registry = new LocalSchemaRegistryServer(null);
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), new StringSerializer(), new ByteArraySerializer());
        avro = new KafkaAvroSerializer();
        avro.configure(Map.of("schema.registry.url", registry.url()), false);
    }

    @AfterAll
    static void stop() {
        producer.close();
        broker.close();
        registry.close();
    }

    @Test
    void bombsAndImpossibleCallsAreDeadLetteredWithTheirReasonAndTheValidCallBehindThemIsJoined() throws Exception {
        Path work = Files.createTempDirectory("tw-hostile");
        TokenwatchConfig config = config(work.resolve("state"), FreePort.pick());
        try (Admin admin = broker.admin()) {
            TopicSetup.ensureTopics(admin, config);
        }
        Process app = TokenwatchProcess.start("-Xmx256m", List.of("run", "--config",
                TokenwatchProcess.writeProperties(work.resolve("hostile.properties"), config, Map.of("tokenwatch.topics.partitions", "2")).toString()),
                Map.of(), work.resolve("run.log"));
        try {
            TokenwatchProcess.awaitReady(config.httpPort, app, work.resolve("run.log"));
            slowSocketsNeitherStarveTheProbeNorStayOpen(config.httpPort);
            Instant t = Instant.now().minus(Duration.ofMinutes(5));
            String calls = config.callsTopic;
            for (Map.Entry<String, byte[]> bomb : bombs(calls, LlmCall.getClassSchema()).entrySet()) {
                producer.send(new ProducerRecord<>(calls, null, t.toEpochMilli(), bomb.getKey(), bomb.getValue()));
            }
            send(calls, call("absurd").setInputTokens(1_000_000_000_000L).build());
            // Two counts whose sum overflows a long: refused for their size before any sum is taken.
            send(calls, call("overflowing").setInputTokens(10).setCacheReadTokens(1L << 62).setCacheWriteTokens(1L << 62).build());
            send(calls, call("negative").setOutputTokens(-5).build());
            send(calls, call("long-task").setTask("t".repeat(100_000)).build());
            LlmCall valid = call("valid-after-hostile").build();
            send(calls, valid);
            send(config.outcomesTopic, CallOutcome.newBuilder().setCallId(valid.getCallId()).setOutcome(Outcome.ACCEPTED)
                    .setDecidedAt(t.plusSeconds(30)).setDecidedBy("ci").build());
            producer.flush();

            Map<String, String> reasons = new TreeMap<>();
            Map<String, OutcomeState> joined = new HashMap<>();
            try (KafkaConsumer<String, byte[]> consumer = TokenwatchProcess.readFromStart(broker.bootstrapServers(), List.of(config.joinedTopic, config.dlqTopic))) {
                KafkaAvroDeserializer decoder = decoder();
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ZERO).untilAsserted(() -> {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        if (r.topic().equals(config.dlqTopic)) {
                            reasons.put(r.key(), new String(r.headers().lastHeader(DeadLetterHandler.REASON_HEADER).value(), StandardCharsets.UTF_8));
                        } else {
                            joined.put(r.key(), ((JoinedCall) decoder.deserialize(r.topic(), r.value())).getOutcomeState());
                        }
                    }
                    assertThat(joined).containsEntry("valid-after-hostile", OutcomeState.ACCEPTED);
                    assertThat(reasons).hasSize(8);
                });
            }
            assertThat(reasons).isEqualTo(Map.of("string-bomb", "malformed", "bytes-bomb", "malformed", "array-bomb", "malformed",
                    "map-bomb", "malformed", "absurd", "too-large", "overflowing", "too-large", "negative", "invalid", "long-task", "label-too-long"));
            assertThat(joined).containsOnlyKeys("valid-after-hostile");
            assertThat(TokenwatchProcess.metric(config.httpPort, "tokenwatch_dlq_records_total{reason=\"malformed\"}")).isEqualTo(4.0);
            assertThat(TokenwatchProcess.metric(config.httpPort, "tokenwatch_dlq_records_total{reason=\"too-large\"}")).isEqualTo(2.0);
            assertThat(TokenwatchProcess.metric(config.httpPort, "tokenwatch_dlq_records_total{reason=\"label-too-long\"}")).isEqualTo(1.0);
            assertThat(app.isAlive()).as(() -> TokenwatchProcess.tail(work.resolve("run.log"))).isTrue();
            assertThat(Files.readString(work.resolve("run.log"))).doesNotContain("OutOfMemoryError").doesNotContain("Fatal error");

            // A registry that says no is not bad input: each call below is written with a schema id the app has not
            // seen, while the registry answers 503, then 401 (a rotated key), then 429 (rate limited) to its lookups.
            try (KafkaConsumer<String, byte[]> consumer = TokenwatchProcess.readFromStart(broker.bootstrapServers(), List.of(config.joinedTopic, config.dlqTopic))) {
                List<String> joinedIds = new ArrayList<>();
                List<String> deadLetterIds = new ArrayList<>();
                for (int status : new int[] {503, 401, 429}) {
                    int schemaId = variantSchemaId(status);
                    registry.failNext(6, "/schemas/ids/" + schemaId, status);
                    LlmCall call = call("during-" + status).build();
                    producer.send(new ProducerRecord<>(calls, null, call.getTimestamp().toEpochMilli(), call.getCallId(), framed(schemaId, variantBody(call))));
                    send(config.outcomesTopic, CallOutcome.newBuilder().setCallId(call.getCallId()).setOutcome(Outcome.ACCEPTED)
                            .setDecidedAt(t.plusSeconds(40)).setDecidedBy("ci").build());
                    producer.flush();
                    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ZERO).untilAsserted(() -> {
                        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                            (r.topic().equals(config.dlqTopic) ? deadLetterIds : joinedIds).add(r.key());
                        }
                        assertThat(joinedIds).contains(call.getCallId());
                    });
                    assertThat(registry.failuresLeft()).as("the app met all six refusals").isZero();
                }
                assertThat(deadLetterIds).as("nothing dead-lettered while the registry said no (the 8 are the hostile records)").hasSize(8);
            }
            assertThat(app.isAlive()).isTrue();
        } finally {
            app.destroy();
            app.waitFor();
        }

        // The notifier reads the same bombs on its alerts topic, dead-letters them and posts the alert behind them.
        String alerts = config.alertsTopic;
        for (Map.Entry<String, byte[]> bomb : bombs(alerts, AnomalyAlert.getClassSchema()).entrySet()) {
            producer.send(new ProducerRecord<>(alerts, bomb.getKey(), bomb.getValue()));
        }
        AnomalyAlert alert = Alerts.alert("task", "review", "tokens_per_call", AlertStatus.OPEN, 1.625);
        producer.send(new ProducerRecord<>(alerts, alert.getAlertId(), avro.serialize(alerts, alert)));
        producer.flush();
        Process notifier = TokenwatchProcess.start("-Xmx256m", List.of("notify-slack", "--dry-run", "--config",
                work.resolve("hostile.properties").toString()), Map.of(), work.resolve("notify.log"));
        assertThat(notifier.waitFor()).as(() -> TokenwatchProcess.tail(work.resolve("notify.log"))).isZero();
        assertThat(Files.readString(work.resolve("notify.log")))
                .contains("1 messages would be posted (1 alerts, 0 digests), 0 already posted, 4 would be dead-lettered {malformed=4}");
    }

    /**
     * Four records declaring 2 billion of something, on {@code topic} whose records are {@code schema}: a
     * string (the schema's first field, framed with its own id), and bytes, an array and a map (a first field
     * of a schema that is {@code schema} with that field put before the others, registered as a writer
     * schema of its own, so the reader skips the field, which is bounded too).
     */
    private static Map<String, byte[]> bombs(String topic, Schema schema) throws Exception {
        Map<String, byte[]> bombs = new TreeMap<>();
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(List.of(URI.create(registry.url())), null, null, 1,
                Duration.ofSeconds(10), Duration.ofMillis(100));
        bombs.put("string-bomb", framed(client.register(topic + "-value", schema), TWO_BILLION));
        Map<String, Schema> kinds = Map.of("bytes-bomb", Schema.create(Schema.Type.BYTES),
                "array-bomb", Schema.createArray(Schema.create(Schema.Type.LONG)), "map-bomb", Schema.createMap(Schema.create(Schema.Type.STRING)));
        for (Map.Entry<String, Schema> kind : kinds.entrySet()) {
            List<Schema.Field> fields = new ArrayList<>(List.of(new Schema.Field("hostile_first", kind.getValue())));
            schema.getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
            Schema writer = Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
            bombs.put(kind.getKey(), framed(client.register("hostile-" + kind.getKey() + "-" + topic + "-value", writer), TWO_BILLION));
        }
        return bombs;
    }

    /**
     * Eight sockets that send half a request and hold it: {@code /health/live} still answers within a second
     * (a Kubernetes probe must not fail for them), and the server closes them once its request timeout passes.
     */
    private static void slowSocketsNeitherStarveTheProbeNorStayOpen(int port) throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
                socket.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                slow.add(socket);
            }
            HttpResponse<String> live = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/live"))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(live.statusCode()).isEqualTo(200);
            for (Socket socket : slow) {
                socket.setSoTimeout(30_000);
                assertThat(closedByTheServer(socket)).as("a half-sent request closed by the server's timeout").isTrue();
            }
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
        }
    }

    private static boolean closedByTheServer(Socket socket) throws IOException {
        try {
            return socket.getInputStream().read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }

    /** LlmCall's schema with one more field (with a default), registered under a subject of its own: a schema id the app has not seen yet. */
    private static int variantSchemaId(int variant) throws Exception {
        Schema schema = LlmCall.getClassSchema();
        List<Schema.Field> fields = new ArrayList<>();
        schema.getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
        fields.add(new Schema.Field("variant_" + variant, Schema.create(Schema.Type.INT), null, 0));
        Schema writer = Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
        return new RestSchemaRegistryClient(List.of(URI.create(registry.url())), null, null, 1, Duration.ofSeconds(10), Duration.ofMillis(100))
                .register("variant-" + variant + "-value", writer);
    }

    /** The call in the variant schema: its fields, then the extra int field (0, one zig-zag byte). */
    private static byte[] variantBody(LlmCall call) {
        byte[] fields = new AvroBinary<>(LlmCall.class).encode(call);
        return ByteBuffer.allocate(fields.length + 1).put(fields).put((byte) 0).array();
    }

    private static byte[] framed(int schemaId, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(schemaId).put(body).array();
    }

    private static void send(String topic, LlmCall call) {
        producer.send(new ProducerRecord<>(topic, null, call.getTimestamp().toEpochMilli(), call.getCallId(), avro.serialize(topic, call)));
    }

    private static void send(String topic, CallOutcome outcome) {
        producer.send(new ProducerRecord<>(topic, null, outcome.getDecidedAt().toEpochMilli(), outcome.getCallId(), avro.serialize(topic, outcome)));
    }

    private static LlmCall.Builder call(String id) {
        return LlmCall.newBuilder().setCallId(id).setTimestamp(Instant.now().minus(Duration.ofMinutes(5))).setProvider("anthropic")
                .setModel("claude-sonnet-4-5").setTask("review").setInputTokens(10_000).setOutputTokens(1_000)
                .setCostUsd(new BigDecimal("0.010000000")).setLatencyMs(1_000).setRetryCount(0).setToolCalls(1);
    }

    private static KafkaAvroDeserializer decoder() {
        KafkaAvroDeserializer decoder = new KafkaAvroDeserializer();
        decoder.configure(Map.of("schema.registry.url", registry.url(), "specific.avro.reader", "true"), false);
        return decoder;
    }

    private static TokenwatchConfig config(Path stateDir, int httpPort) {
        return TokenwatchConfig.of(TokenwatchProcess.instanceSettings(broker.bootstrapServers(), registry.url(), "tokenwatch-hostile", stateDir, 2, httpPort));
    }

}
