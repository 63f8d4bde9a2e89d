package io.tokenwatch.streams.notify;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tokenwatch.events.v1.AlertStatus;
import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.registry.MockSchemaRegistry;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.http.HttpPort;
import io.tokenwatch.schemas.Alerts;
import io.tokenwatch.serde.KafkaAvroSerializer;
import io.tokenwatch.streams.cli.TokenwatchCli;
import io.tokenwatch.streams.errors.DeadLetterHandler;
import io.tokenwatch.streams.support.FreePort;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * notify-slack on a real in-process broker against a real local HTTP server that scripts Slack's
 * failures: 429 with Retry-After, 500, answers slower than the timeout, connection refused, and a
 * 404 for good. Every alert update is posted exactly once, in order, at most one request a second
 * per webhook; across restarts nothing is lost or posted twice; a storm becomes a digest.
 */
class SlackNotifierIT {
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static final String SCOPE = "notify-it";
    private static final String DEFAULT_PATH = "/services/T0/B0/s3cr3t-default";
    private static final String PLATFORM_PATH = "/services/T0/B1/s3cr3t-platform";
    private static final String GONE_PATH = "/services/T0/B2/s3cr3t-gone";
    private static EmbeddedKafkaBroker broker;
    private static KafkaProducer<byte[], byte[]> producer;
    private static KafkaAvroSerializer serializer;
    private static ScriptedSlackServer slack;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedKafkaBroker.onFreePorts().start();
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer());
        serializer = new KafkaAvroSerializer();
        serializer.configure(Map.of("schema.registry.url", "mock://" + SCOPE), false);
        slack = new ScriptedSlackServer(0);
    }

    @AfterAll
    static void stop() {
        slack.close();
        producer.close();
        broker.close();
        MockSchemaRegistry.dropScope(SCOPE);
    }

    private static Map<String, String> settings(String name) {
        Map<String, String> settings = new HashMap<>(Map.of("bootstrap.servers", broker.bootstrapServers(), "schema.registry.url", "mock://" + SCOPE,
                "tokenwatch.topic.alerts", "alerts-" + name, "tokenwatch.topic.dlq", "dlq-" + name, "tokenwatch.topic.notified", "notified-" + name,
                "tokenwatch.slack.group.id", "notifier-" + name, "tokenwatch.topics.partitions", "1", "tokenwatch.slack.timeout", "PT0.5S"));
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("alerts-" + name, 1, (short) 1), new NewTopic("dlq-" + name, 1, (short) 1))).all().get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return settings;
    }

    private static void send(String topic, AnomalyAlert alert) {
        producer.send(new ProducerRecord<>(topic, alert.getAlertId().getBytes(StandardCharsets.UTF_8), serializer.serialize(topic, alert)));
        producer.flush();
    }

    private static Thread startNotifier(SlackNotifier notifier) {
        Thread thread = new Thread(notifier, "notifier-under-test");
        thread.start();
        return thread;
    }

    private static SlackWebhookClient client(Map<String, URI> webhooks) {
        return new SlackWebhookClient(Webhooks.of(webhooks), Duration.ofMillis(500));
    }

    private static List<String> texts(List<ScriptedSlackServer.Request> requests) {
        return requests.stream().map(r -> r.body().get("text").asText()).toList();
    }

    private static long committed(String group, String topic) throws Exception {
        try (Admin admin = broker.admin()) {
            OffsetAndMetadata offset = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(new TopicPartition(topic, 0));
            return offset == null ? -1 : offset.offset();
        }
    }

    @Test
    void everyAlertIsPostedOnceInOrderThroughRateLimitsFailuresAndRefusals() throws Exception {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(logs);
        Map<String, String> settings = settings("delivery");
        settings.put("tokenwatch.slack.routes", "team=platform:platform,task=archived:gone");
        TokenwatchConfig config = TokenwatchConfig.of(settings);
        int platformPort = FreePort.pick(); // nothing listens here yet: connection refused
        URI platform = URI.create("http://127.0.0.1:" + platformPort + PLATFORM_PATH);
        slack.script(DEFAULT_PATH, ScriptedSlackServer.Reply.retryAfter(2), ScriptedSlackServer.Reply.status(500, "internal_error"),
                ScriptedSlackServer.Reply.slow(1_500));
        slack.always(GONE_PATH, ScriptedSlackServer.Reply.status(404, "channel_is_archived"));

        String topic = "alerts-delivery";
        send(topic, Alerts.alert("task", "code-review", "tokens_per_call", AlertStatus.OPEN, 1.625));
        send(topic, Alerts.alert("team", "platform", "cache_miss_ratio", AlertStatus.OPEN, 1.5));
        producer.send(new ProducerRecord<>(topic, "junk".getBytes(StandardCharsets.UTF_8), new byte[]{7, 7, 7})).get();
        send(topic, Alerts.alert("task", "code-review", "tokens_per_call", AlertStatus.ESCALATED, 2.1));
        send(topic, Alerts.alert("task", "test-gen", "cost_per_call", AlertStatus.OPEN, 1.4));
        send(topic, Alerts.alert("task", "archived", "tool_calls_per_call", AlertStatus.OPEN, 1.8));
        send(topic, Alerts.alert("task", "code-review", "tokens_per_call", AlertStatus.OPEN, 1.625)); // the same update again
        send(topic, Alerts.alert("team", "platform", "cache_miss_ratio", AlertStatus.RESOLVED, 1.0));
        send(topic, Alerts.alert("task", "code-review", "tokens_per_call", AlertStatus.RESOLVED, 1.0));

        SlackNotifier notifier = new SlackNotifier(config, client(Map.of("default", slack.webhook(DEFAULT_PATH), "platform", platform,
                "gone", slack.webhook(GONE_PATH))), false);
        Thread thread = startNotifier(notifier);
        // 3 scripted failures on default, at least one refused connection on platform: then platform comes up.
        await().atMost(PATIENCE).until(() -> notifier.counts().get("retries") >= 4);
        try (ScriptedSlackServer platformServer = new ScriptedSlackServer(platformPort)) {
            await().atMost(PATIENCE).until(() -> slack.delivered(DEFAULT_PATH).size() >= 4 && platformServer.delivered(PLATFORM_PATH).size() >= 2);
            await().atMost(PATIENCE).until(() -> committed("notifier-delivery", topic) == 9);
            notifier.close();
            thread.join(PATIENCE.toMillis());

            assertThat(texts(slack.delivered(DEFAULT_PATH))).containsExactly(
                    ":rotating_light: New alert: tokens_per_call up 63% for task=code-review",
                    ":arrow_double_up: Escalated (now ≥ 2.0x, already posted 2026-11-24 10:20 UTC): tokens_per_call up 110% for task=code-review",
                    ":rotating_light: New alert: cost_per_call up 40% for task=test-gen",
                    ":white_check_mark: Resolved: tokens_per_call back to normal for task=code-review");
            assertThat(texts(platformServer.delivered(PLATFORM_PATH))).containsExactly(
                    ":rotating_light: New alert: cache_miss_ratio up 50% for team=platform",
                    ":white_check_mark: Resolved: cache_miss_ratio back to normal for team=platform");
        }
        // Slack's rate limit: about one request a second per webhook, failed ones included; Retry-After honoured.
        List<ScriptedSlackServer.Request> attempts = slack.requests(DEFAULT_PATH);
        assertThat(attempts).hasSize(7);
        for (int i = 1; i < attempts.size(); i++) {
            assertThat(Duration.between(attempts.get(i - 1).arrived(), attempts.get(i).arrived())).isGreaterThan(Duration.ofMillis(900));
        }
        assertThat(Duration.between(attempts.get(0).arrived(), attempts.get(1).arrived())).isGreaterThan(Duration.ofMillis(1_900));
        // Slack refusing for good (404) and bytes that are no alert go to the dead-letter topic with the reason.
        assertThat(slack.requests(GONE_PATH)).hasSize(1);
        assertThat(deadLetterReasons("dlq-delivery", 2)).containsExactlyInAnyOrder("malformed", "slack-rejected");
        assertThat(notifier.counts()).containsEntry("alerts", 6L).containsEntry("already_posted", 1L).containsEntry("dead_lettered", 2L);
        // Webhook URLs are secrets: no log line shows one.
        root.detachAppender(logs);
        assertThat(logs.list).isNotEmpty().noneMatch(e -> e.getFormattedMessage().contains("s3cr3t"));
    }

    @Test
    void restartsNeitherLoseNorRepeatAnAlert() throws Exception {
        Map<String, String> settings = settings("restart");
        String path = "/services/T0/B3/restart";
        Map<String, URI> webhooks = Map.of("default", slack.webhook(path));
        slack.always(path, ScriptedSlackServer.Reply.status(503, "service_unavailable"));
        send("alerts-restart", Alerts.alert("task", "a", "retry_rate", AlertStatus.OPEN, 1.5));
        send("alerts-restart", Alerts.alert("task", "b", "retry_rate", AlertStatus.OPEN, 1.6));

        // Slack is down: the first instance keeps retrying, then stops without committing the unposted alerts.
        SlackNotifier first = new SlackNotifier(TokenwatchConfig.of(settings), client(webhooks), false);
        Thread firstThread = startNotifier(first);
        await().atMost(PATIENCE).until(() -> slack.requests(path).size() >= 2);
        first.close();
        firstThread.join(PATIENCE.toMillis());
        assertThat(committed("notifier-restart", "alerts-restart")).isLessThanOrEqualTo(0);

        // Slack is back: the next instance posts both.
        slack.always(path, null);
        SlackNotifier second = new SlackNotifier(TokenwatchConfig.of(settings), client(webhooks), false);
        Thread secondThread = startNotifier(second);
        await().atMost(PATIENCE).until(() -> slack.delivered(path).size() == 2 && committed("notifier-restart", "alerts-restart") == 2);
        second.close();
        secondThread.join(PATIENCE.toMillis());

        // Even a consumer group that re-reads the topic from the start posts only what is new: the ledger remembers.
        settings.put("tokenwatch.slack.group.id", "notifier-restart-reread");
        SlackNotifier third = new SlackNotifier(TokenwatchConfig.of(settings), client(webhooks), false);
        HttpPort http = third.serveHealthAndMetrics(0);
        assertThat(status(http, "/health/ready")).as("not ready before it runs").isEqualTo(503);
        Thread thirdThread = startNotifier(third);
        await().atMost(PATIENCE).until(() -> third.counts().get("already_posted") == 2);
        assertThat(status(http, "/health/ready")).isEqualTo(200);
        send("alerts-restart", Alerts.alert("task", "c", "retry_rate", AlertStatus.OPEN, 1.7));
        await().atMost(PATIENCE).until(() -> slack.delivered(path).size() == 3);
        await().atMost(PATIENCE).until(() -> committed("notifier-restart-reread", "alerts-restart") == 3);
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("tokenwatch_slack_messages_total{application=\"notify-slack\"} 1.0")
                .contains("tokenwatch_slack_already_posted_total{application=\"notify-slack\"} 2.0");
        third.close();
        thirdThread.join(PATIENCE.toMillis());
        assertThat(status(http, "/health/live")).as("stopped cleanly is not a failure").isEqualTo(200);
        http.close();

        assertThat(texts(slack.delivered(path))).containsExactly(":rotating_light: New alert: retry_rate up 50% for task=a",
                ":rotating_light: New alert: retry_rate up 60% for task=b", ":rotating_light: New alert: retry_rate up 70% for task=c");
        assertThat(third.counts()).containsEntry("messages", 1L);
    }

    @Test
    void aStormBecomesADigestInsteadOfThirtyMessages() throws Exception {
        Map<String, String> settings = settings("storm");
        settings.put("tokenwatch.slack.storm.per.minute", "5");
        String path = "/services/T0/B4/storm";
        for (int i = 0; i < 30; i++) {
            send("alerts-storm", Alerts.alert("task", "task-" + i, "cost_per_call", AlertStatus.OPEN, 1.5));
        }
        SlackNotifier notifier = new SlackNotifier(TokenwatchConfig.of(settings), client(Map.of("default", slack.webhook(path))), false);
        Thread thread = startNotifier(notifier);
        await().atMost(PATIENCE).until(() -> notifier.counts().get("alerts") == 30);
        notifier.close();
        thread.join(PATIENCE.toMillis());

        List<ScriptedSlackServer.Request> posts = slack.delivered(path);
        assertThat(posts).hasSizeLessThanOrEqualTo(3);
        assertThat(notifier.counts().get("digests")).isGreaterThanOrEqualTo(1);
        Pattern digest = Pattern.compile("^:rotating_light: (\\d+) alert updates in the last minute \\(digest\\)");
        int alertsInPosts = 0;
        for (String text : texts(posts)) {
            Matcher m = digest.matcher(text);
            alertsInPosts += m.find() ? Integer.parseInt(m.group(1)) : 1;
        }
        assertThat(alertsInPosts).isEqualTo(30);
    }

    @Test
    void aBudgetRoutedToAWebhookNobodyConfiguredStillReachesTheDefaultOne() throws Exception {
        Map<String, String> settings = settings("unrouted");
        String path = "/services/T0/B5/unrouted-default";
        send("alerts-unrouted", Alerts.budgetAlert(AlertStatus.OPEN, 4_100, 0.8, null, "finops-that-was-never-set-up"));
        SlackNotifier notifier = new SlackNotifier(TokenwatchConfig.of(settings), client(Map.of("default", slack.webhook(path))), false);
        Thread thread = startNotifier(notifier);
        await().atMost(PATIENCE).until(() -> notifier.counts().get("alerts") == 1);
        notifier.close();
        thread.join(PATIENCE.toMillis());

        assertThat(slack.delivered(path)).hasSize(1);
        assertThat(notifier.counts()).containsEntry("unknown_route", 1L).containsEntry("dead_lettered", 0L);
        assertThat(notifier.state()).isNotEqualTo(SlackNotifier.State.FAILED);
    }

    @Test
    void dryRunPrintsTheMessagesAndPostsNothing() throws Exception {
        Map<String, String> settings = settings("dry");
        send("alerts-dry", Alerts.alert("feature", "autocomplete", "latency_p95", AlertStatus.OPEN, 1.9));
        send("alerts-dry", Alerts.alert("feature", "autocomplete", "latency_p95", AlertStatus.RESOLVED, 1.0));
        List<String> args = new ArrayList<>(List.of("notify-slack", "--dry-run"));
        settings.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
        StringWriter out = new StringWriter();
        int exit = TokenwatchCli.commandLine().setOut(new PrintWriter(out)).execute(args.toArray(String[]::new));

        assertThat(exit).isZero();
        assertThat(out.toString()).contains("--- to webhook 'default' ---")
                .contains("\"text\" : \":rotating_light: New alert: latency_p95 up 90% for feature=autocomplete\"")
                .contains("\"text\" : \":white_check_mark: Resolved: latency_p95 back to normal for feature=autocomplete\"")
                .contains("\"type\" : \"header\"");
        assertThat(committed("notifier-dry", "alerts-dry")).isEqualTo(-1);
    }

    private static int status(HttpPort http, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + path)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static List<String> deadLetterReasons(String topic, int expected) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader-" + topic, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> reasons = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(PATIENCE).until(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    reasons.add(new String(record.headers().lastHeader(DeadLetterHandler.REASON_HEADER).value(), StandardCharsets.UTF_8));
                }
                return reasons.size() >= expected;
            });
        }
        return reasons;
    }
}
