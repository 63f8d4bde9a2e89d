package io.tokenwatch.streams.reconcile;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.ReconciliationHour;
import io.tokenwatch.events.v1.ReconciliationStatus;
import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.registry.MockSchemaRegistry;
import io.tokenwatch.runtime.kafka.OutputTopicConsumer;
import io.tokenwatch.serde.KafkaAvroSerializer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * `reconcile` on a real broker against local stand-ins of Anthropic's and OpenAI's usage APIs that
 * answer in the shapes their documentation gives, over two pages each, after a 429 with Retry-After
 * (Anthropic), a 500 and an answer slower than the timeout (OpenAI). Numbers worked out by hand.
 */
class ReconcileIT {
    private static final String REGISTRY = "mock://reconcile-it";
    private static final String ANTHROPIC_KEY = "sk-ant-admin01-never-logged";
    private static final String OPENAI_KEY = "sk-admin-openai-never-logged";
    /** Two settled hours: H1 three hours ago, H2 two hours ago (settle PT1H). */
    private static final Instant H1 = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(3));
    private static final Instant H2 = H1.plus(Duration.ofHours(1));

    /** A sonnet call: 10,000 input (8,000 cache reads, 800 cache writes), 350 output = $0.01425 (1,200 x $3 + 8,000 x $0.30 + 800 x $3.75 + 350 x $15, per M). */
    private static LlmCall sonnet(String id, Instant at) {
        return call(id, at, "anthropic", "claude-sonnet-4-5", 10_000, 350, 8_000, 800);
    }

    /** A gpt-4o call: 2,000 input (1,024 cached), 500 output. */
    private static LlmCall gpt4o(String id, Instant at) {
        return call(id, at, "openai", "gpt-4o", 2_000, 500, 1_024, 0);
    }

    private static LlmCall call(String id, Instant at, String provider, String model, long in, long out, long cacheRead, long cacheWrite) {
        return LlmCall.newBuilder().setCallId(id).setTimestamp(at).setProvider(provider).setModel(model).setTask("t").setInputTokens(in)
                .setOutputTokens(out).setCacheReadTokens(cacheRead).setCacheWriteTokens(cacheWrite).setCostUsd(BigDecimal.ZERO)
                .setLatencyMs(100).setRetryCount(0).setToolCalls(0).build();
    }

    @Test
    void untrackedSpendAndAnUnknownModelAlertWithTheirCostAndARestartAlertsNothingAgain() throws Exception {
        AtomicInteger anthropicRequests = new AtomicInteger();
        AtomicInteger openaiRequests = new AtomicInteger();
        HttpServer standIns = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        standIns.createContext("/v1/organizations/usage_report/messages", exchange -> anthropic(exchange, anthropicRequests.incrementAndGet()));
        standIns.createContext("/v1/organization/usage/completions", exchange -> openai(exchange, openaiRequests.incrementAndGet()));
        standIns.start();
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(logs);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.onFreePorts().start()) {
            broker.createTopics(2, List.of("llm.calls.v1"));
            KafkaAvroSerializer values = new KafkaAvroSerializer();
            values.configure(Map.of("schema.registry.url", REGISTRY), false);
            try (KafkaProducer<String, Object> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                    new StringSerializer(), values)) {
                List<LlmCall> calls = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    calls.add(sonnet("h1-sonnet-" + i, H1.plusSeconds(60L * i)));
                }
                for (int i = 0; i < 8; i++) { // of the 10 Anthropic bills in H2, 8 reached Tokenwatch
                    calls.add(sonnet("h2-sonnet-" + i, H2.plusSeconds(60L * i)));
                }
                for (int i = 0; i < 20; i++) {
                    calls.add(gpt4o("h1-gpt-" + i, H1.plusSeconds(30L * i)));
                    calls.add(gpt4o("h2-gpt-" + i, H2.plusSeconds(30L * i)));
                }
                calls.add(sonnet("h2-sonnet-0", H2)); // a duplicate: counted once
                // A call claiming 10^12 input tokens: the pipeline refuses it as too large, so it is no captured spend either.
                calls.add(LlmCall.newBuilder(sonnet("absurd", H1.plusSeconds(5))).setInputTokens(1_000_000_000_000L).build());
                for (LlmCall call : calls) {
                    producer.send(new ProducerRecord<>("llm.calls.v1", null, call.getTimestamp().toEpochMilli(), call.getCallId(), call));
                }
            }
            // A 10-byte record declaring a 2 GB call_id: skipped as the pipeline dead-letters it, and the pass goes on.
            int callSchema = MockSchemaRegistry.forScope(REGISTRY.substring("mock://".length())).register("llm.calls.v1-value", LlmCall.getClassSchema());
            try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                raw.send(new ProducerRecord<>("llm.calls.v1", null, H1.toEpochMilli(), null, ByteBuffer.allocate(10).put((byte) 0).putInt(callSchema)
                        .put(new byte[] {(byte) 0x80, (byte) 0xd0, (byte) 0xac, (byte) 0xf3, 0x0e}).array()));
            }
            String base = "http://127.0.0.1:" + standIns.getAddress().getPort();
            List<String> settings = List.of("--set", "bootstrap.servers=" + broker.bootstrapServers(), "--set", "schema.registry.url=" + REGISTRY,
                    "--set", "tokenwatch.reconcile.anthropic.base.url=" + base, "--set", "tokenwatch.reconcile.openai.base.url=" + base,
                    "--set", "tokenwatch.reconcile.lookback=PT6H", "--set", "tokenwatch.reconcile.settle=PT1H",
                    "--set", "tokenwatch.reconcile.timeout=PT2S", "--set", "tokenwatch.reconcile.max.backoff=PT2S");

            String first = reconcileOnce(settings);
            assertThat(first).contains("Reconciled 10 hour(s): 5 record(s) to llm.reconciliation.v1, 2 alert update(s) to llm.alerts.v1");
            assertThat(anthropicRequests.get()).as("a 429, then two pages").isEqualTo(3);
            assertThat(openaiRequests.get()).as("a 500, a timeout, then two pages").isEqualTo(4);

            Map<String, ReconciliationHour> hours = new HashMap<>();
            Map<String, AnomalyAlert> alerts = new HashMap<>();
            read(broker, hours, alerts);
            assertThat(hours.keySet()).containsExactlyInAnyOrder("anthropic|claude-sonnet-4-5|" + H1, "anthropic|claude-sonnet-4-5|" + H2,
                    "anthropic|claude-opus-4-1|" + H2, "openai|gpt-4o|" + H1, "openai|gpt-4o|" + H2);
            assertThat(hours.get("anthropic|claude-sonnet-4-5|" + H1).getStatus()).isEqualTo(ReconciliationStatus.MATCHED);
            assertThat(hours.get("openai|gpt-4o|" + H2).getStatus()).as("gpt-4o-2024-08-06 is gpt-4o").isEqualTo(ReconciliationStatus.MATCHED);
            assertThat(hours.get("openai|gpt-4o|" + H2).getReportedRequests()).isEqualTo(20);

            ReconciliationHour untracked = hours.get("anthropic|claude-sonnet-4-5|" + H2);
            assertThat(untracked.getStatus()).isEqualTo(ReconciliationStatus.UNTRACKED);
            assertThat(untracked.getReportedInputTokens()).as("12,000 uncached + 80,000 read + 8,000 written").isEqualTo(100_000);
            assertThat(untracked.getCapturedInputTokens()).isEqualTo(80_000);
            assertThat(untracked.getCapturedCalls()).isEqualTo(8);
            assertThat(untracked.getCaptureRatio()).isCloseTo(0.8, within(1e-9));
            assertThat(untracked.getReportedCostUsd()).isCloseTo(0.1425, within(1e-9));
            assertThat(untracked.getGapCostUsd()).as("two calls of $0.01425 never reached Tokenwatch").isCloseTo(0.0285, within(1e-9));
            ReconciliationHour unknown = hours.get("anthropic|claude-opus-4-1|" + H2);
            assertThat(unknown.getStatus()).isEqualTo(ReconciliationStatus.UNKNOWN_MODEL);
            assertThat(unknown.getGapCostUsd()).as("5,000 x $15 + 1,000 x $75 per M").isCloseTo(0.15, within(1e-9));

            assertThat(alerts).containsOnlyKeys("anthropic|claude-sonnet-4-5|capture_gap|" + H2, "anthropic|claude-opus-4-1|capture_gap|" + H2);
            AnomalyAlert gap = alerts.get("anthropic|claude-sonnet-4-5|capture_gap|" + H2);
            assertThat(gap.getStatus()).isEqualTo(AlertStatus.OPEN);
            assertThat(gap.getMetric()).isEqualTo("capture_gap");
            assertThat(gap.getGroup()).isEqualTo("anthropic/claude-sonnet-4-5");
            assertThat(gap.getRatio()).isCloseTo(0.8, within(1e-9));
            assertThat(gap.getCostImpactUsd()).isCloseTo(0.0285, within(1e-9));
            assertThat(alerts.get("anthropic|claude-opus-4-1|capture_gap|" + H2).getCostImpactUsd()).isCloseTo(0.15, within(1e-9));

            // A revoked OpenAI key: the run says so in one line, exits 1, and names no key.
            StringWriter refusedErr = new StringWriter();
            CommandLine refused = command(Map.of(ReconcileCommand.ANTHROPIC_KEY_ENV, ANTHROPIC_KEY, ReconcileCommand.OPENAI_KEY_ENV, "sk-admin-revoked"),
                    new StringWriter(), refusedErr);
            assertThat(refused.execute(onceWith(settings))).isEqualTo(1);
            assertThat(refusedErr.toString()).contains("Reconciliation failed: GET /v1/organization/usage/completions")
                    .contains("answered 401: the admin key was refused").doesNotContain("sk-admin").doesNotContain("\tat ");

            // Started again: the 4 hours with usage are read back as reconciled; the 6 quiet ones (nothing reported, nothing
            // captured) leave no record, so they are asked for again and found quiet again. Nothing is written, nothing alerts again.
            String second = reconcileOnce(settings);
            assertThat(second).contains("Reconciled 6 hour(s): 0 record(s) to llm.reconciliation.v1, 0 alert update(s)");
            Map<String, AnomalyAlert> moreAlerts = new HashMap<>();
            read(broker, new HashMap<>(), moreAlerts);
            assertThat(moreAlerts).as("alerts after the restart, as read from the start again").hasSize(2);
        } finally {
            ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
            standIns.stop(0);
            MockSchemaRegistry.dropScope("reconcile-it");
        }
        assertThat(logs.list).as("retries are logged").anyMatch(e -> e.getFormattedMessage().contains("429 rate limited"));
        assertThat(logs.list).noneMatch(e -> e.getFormattedMessage().contains(ANTHROPIC_KEY) || e.getFormattedMessage().contains(OPENAI_KEY)
                || (e.getThrowableProxy() != null && String.valueOf(e.getThrowableProxy().getMessage()).contains("never-logged")));
    }

    private static String reconcileOnce(List<String> settings) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = command(Map.of(ReconcileCommand.ANTHROPIC_KEY_ENV, ANTHROPIC_KEY, ReconcileCommand.OPENAI_KEY_ENV, OPENAI_KEY), out, err);
        assertThat(cli.execute(onceWith(settings))).as(err.toString()).isZero();
        assertThat(err.toString() + out).doesNotContain("never-logged");
        return out.toString();
    }

    private static CommandLine command(Map<String, String> environment, StringWriter out, StringWriter err) {
        ReconcileCommand command = new ReconcileCommand();
        command.environment = environment;
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli;
    }

    private static String[] onceWith(List<String> settings) {
        List<String> args = new ArrayList<>(List.of("--once"));
        args.addAll(settings);
        return args.toArray(String[]::new);
    }

    private static void read(EmbeddedKafkaBroker broker, Map<String, ReconciliationHour> hours, Map<String, AnomalyAlert> alerts) {
        try (KafkaConsumer<String, Object> consumer = OutputTopicConsumer.create(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "reconcile-it-" + System.nanoTime(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                "schema.registry.url", REGISTRY))) {
            consumer.subscribe(List.of("llm.reconciliation.v1", "llm.alerts.v1"));
            long until = System.nanoTime() + Duration.ofSeconds(8).toNanos();
            while (System.nanoTime() < until) {
                for (ConsumerRecord<String, Object> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() instanceof ReconciliationHour hour) {
                        hours.put(r.key(), hour);
                    } else if (r.value() instanceof AnomalyAlert alert) {
                        alerts.put(r.key(), alert);
                    }
                }
            }
        }
    }

    /** Anthropic's stand-in: 429 first, then H1 on page 1 and H2 on page 2; only the admin key is let in. */
    private static void anthropic(HttpExchange exchange, int request) throws IOException {
        if (!ANTHROPIC_KEY.equals(exchange.getRequestHeaders().getFirst("x-api-key"))
                || !"2023-06-01".equals(exchange.getRequestHeaders().getFirst("anthropic-version"))) {
            respond(exchange, 401, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\"}}", Map.of());
            return;
        }
        if (request == 1) {
            respond(exchange, 429, "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\"}}", Map.of("Retry-After", "1"));
            return;
        }
        String query = exchange.getRequestURI().getQuery();
        assertThat(query).contains("bucket_width=1h").contains("group_by[]=model");
        boolean second = query.contains("page=page_2");
        String bucket = second
                ? bucket(H2, sonnetRow(10) + "," + "{\"uncached_input_tokens\":5000,\"cache_creation\":{\"ephemeral_1h_input_tokens\":0,\"ephemeral_5m_input_tokens\":0},"
                + "\"cache_read_input_tokens\":0,\"output_tokens\":1000,\"server_tool_use\":{\"web_search_requests\":0},\"model\":\"claude-opus-4-1-20250805\"}")
                : bucket(H1, sonnetRow(10));
        respond(exchange, 200, "{\"data\":[" + bucket + "],\"has_more\":" + !second + ",\"next_page\":" + (second ? "null" : "\"page_2\"") + "}", Map.of());
    }

    private static String sonnetRow(int calls) {
        return "{\"uncached_input_tokens\":" + 1_200 * calls + ",\"cache_creation\":{\"ephemeral_1h_input_tokens\":0,\"ephemeral_5m_input_tokens\":"
                + 800 * calls + "},\"cache_read_input_tokens\":" + 8_000 * calls + ",\"output_tokens\":" + 350 * calls
                + ",\"server_tool_use\":{\"web_search_requests\":0},\"model\":\"claude-sonnet-4-5-20250929\",\"service_tier\":null}";
    }

    private static String bucket(Instant hour, String results) {
        return "{\"starting_at\":\"" + hour + "\",\"ending_at\":\"" + hour.plus(Duration.ofHours(1)) + "\",\"results\":[" + results + "]}";
    }

    /** OpenAI's stand-in: a 500, then an answer slower than the client's timeout, then H1 and H2 on two pages. */
    private static void openai(HttpExchange exchange, int request) throws IOException {
        if (!("Bearer " + OPENAI_KEY).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            respond(exchange, 401, "{\"error\":{\"message\":\"Incorrect API key\"}}", Map.of());
            return;
        }
        if (request == 1) {
            respond(exchange, 500, "{\"error\":{\"message\":\"internal\"}}", Map.of());
            return;
        }
        if (request == 2) {
            try {
                Thread.sleep(3_000); // past the client's 2 s timeout
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        boolean second = exchange.getRequestURI().getQuery().contains("page=page_2");
        Instant hour = second ? H2 : H1;
        String row = "{\"object\":\"organization.usage.completions.result\",\"input_tokens\":40000,\"output_tokens\":10000,\"input_cached_tokens\":20480,"
                + "\"input_audio_tokens\":0,\"output_audio_tokens\":0,\"num_model_requests\":20,\"project_id\":null,\"user_id\":null,\"api_key_id\":null,"
                + "\"model\":\"gpt-4o-2024-08-06\",\"batch\":null}";
        respond(exchange, 200, "{\"object\":\"page\",\"data\":[{\"object\":\"bucket\",\"start_time\":" + hour.getEpochSecond() + ",\"end_time\":"
                + hour.plus(Duration.ofHours(1)).getEpochSecond() + ",\"results\":[" + row + "]}],\"has_more\":" + !second + ",\"next_page\":"
                + (second ? "null" : "\"page_2\"") + "}", Map.of());
    }

    private static void respond(HttpExchange exchange, int status, String body, Map<String, String> headers) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        try {
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        } catch (IOException e) {
            // the client gave up waiting (the slow answer): nothing to send it
        } finally {
            exchange.close();
        }
    }
}
