package io.tokenwatch.streams.app;

import io.tokenwatch.events.v1.CallOutcome;
import io.tokenwatch.events.v1.JoinedCall;
import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.Outcome;
import io.tokenwatch.events.v1.OutcomeState;
import io.tokenwatch.events.v1.SessionSummary;
import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.registry.LocalSchemaRegistryServer;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.kafka.TopicSetup;
import io.tokenwatch.serde.KafkaAvroDeserializer;
import io.tokenwatch.serde.KafkaAvroSerializer;
import io.tokenwatch.streams.support.FreePort;
import io.tokenwatch.streams.support.TokenwatchProcess;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongPredicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Nothing lost across kill -9 at any moment of a catch-up: a full week of calls and outcomes (the
 * first ones older than the broker's 7-day retention by the end) on 4 partitions, produced as fast as
 * the broker takes them, then {@code run} as its own JVM killed with -9 at its first commit (seconds after it is ready), a
 * third of the way and two thirds of the way through, started again each time; and a second instance
 * starting to join while the first, just past its first commit, is killed during the rebalance. The joined topic must hold every call
 * exactly once with the outcome sent (NONE for calls sent without one), as in-order processing gives.
 * Then the broker itself is stopped for 30 s a third of the way through a catch-up and started again.
 * Session totals must equal the sums of their calls each time. The broker checks retention every
 * second, so an output record deleted for its age shows up here.
 */
class KillAnyMomentIT {
    private static final int PARTITIONS = 4;
    private static final List<String> TASKS = List.of("review", "tests", "docs", "triage", "summaries", "planning");
    private static final int CALLS_PER_HOUR = 12;
    /** A week and two hours: the first calls' joined records are older than the broker's 7-day retention. */
    private static final Duration HISTORY = Duration.ofDays(7).plusHours(2);
    private static final Duration BROKER_OUTAGE = Duration.ofSeconds(30);

    private static EmbeddedKafkaBroker broker;
    private static LocalSchemaRegistryServer registry;
    private static KafkaAvroSerializer avro;
    private static KafkaAvroDeserializer decoder;
    /** What every call's joined record must say: the outcome sent, or NONE for calls sent without one. */
    private static final Map<String, OutcomeState> EXPECTED = new HashMap<>();
    /** Per session id, as in-order processing sums it: calls, accepted, rejected, abandoned. */
    private static final Map<String, List<Long>> EXPECTED_SESSIONS = new TreeMap<>();

    @BeforeAll
    static void produceAWeek() throws Exception {
        broker = EmbeddedKafkaBroker.create(null, 0, Map.of("log.retention.check.interval.ms", "1000", "log.initial.task.delay.ms", "0")).start();
        registry = new LocalSchemaRegistryServer(null);
        avro = new KafkaAvroSerializer();
        avro.configure(Map.of("schema.registry.url", registry.url()), false);
        decoder = new KafkaAvroDeserializer();
        decoder.configure(Map.of("schema.registry.url", registry.url(), "specific.avro.reader", "true"), false);
        try (Admin admin = broker.admin()) {
            TopicSetup.ensureTopics(admin, config("setup", Path.of("unused"), 0));
            // The inputs are kept for as long as the backfill reaches back, as the README asks of a backfill: these hold
            // calls older than the broker's default 7 days, which the broker would delete from the inputs at its next check.
            Map<ConfigResource, Collection<AlterConfigOp>> keepForever = new HashMap<>();
            for (String input : List.of("llm.calls.v1", "llm.outcomes.v1")) {
                keepForever.put(new ConfigResource(ConfigResource.Type.TOPIC, input),
                        List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG, "-1"), AlterConfigOp.OpType.SET)));
            }
            admin.incrementalAlterConfigs(keepForever).all().get();
        }
        Instant end = Instant.now().truncatedTo(ChronoUnit.HOURS);
        Instant abandonBefore = end.minus(Duration.ofHours(26));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"), new StringSerializer(), new ByteArraySerializer())) {
            int n = 0;
            for (Instant hour = end.minus(HISTORY); hour.isBefore(end); hour = hour.plus(Duration.ofHours(1))) {
                for (int i = 0; i < CALLS_PER_HOUR; i++) {
                    Instant t = hour.plus(Duration.ofMinutes(60L / CALLS_PER_HOUR * i));
                    for (String task : TASKS) {
                        n++;
                        String id = task + "-" + n;
                        LlmCall call = LlmCall.newBuilder().setCallId(id).setTimestamp(t).setProvider("anthropic").setModel("claude-sonnet-4-5")
                                .setTask(task).setSessionId("s-" + task + "-" + hour.toEpochMilli()).setInputTokens(10_000).setOutputTokens(1_000)
                                .setCostUsd(new BigDecimal("0.010000000")).setLatencyMs(1_000).setRetryCount(0).setToolCalls(1).build();
                        producer.send(new ProducerRecord<>("llm.calls.v1", null, t.toEpochMilli(), id, avro.serialize("llm.calls.v1", call)));
                        boolean abandoned = t.isBefore(abandonBefore) && n % 7 == 0;
                        Outcome outcome = n % 5 == 0 ? Outcome.REJECTED : Outcome.ACCEPTED;
                        EXPECTED_SESSIONS.merge(call.getSessionId(), List.of(1L, !abandoned && outcome == Outcome.ACCEPTED ? 1L : 0L,
                                !abandoned && outcome == Outcome.REJECTED ? 1L : 0L, abandoned ? 1L : 0L), KillAnyMomentIT::plus);
                        if (abandoned) {
                            EXPECTED.put(id, OutcomeState.NONE);
                            continue;
                        }
                        Instant decided = t.plusSeconds(60);
                        CallOutcome judged = CallOutcome.newBuilder().setCallId(id).setOutcome(outcome).setDecidedAt(decided).setDecidedBy("ci").build();
                        producer.send(new ProducerRecord<>("llm.outcomes.v1", null, decided.toEpochMilli(), id, avro.serialize("llm.outcomes.v1", judged)));
                        EXPECTED.put(id, OutcomeState.valueOf(outcome.name()));
                    }
                }
            }
        }
    }

    @AfterAll
    static void stop() {
        broker.close();
        registry.close();
    }

    @Test
    void killedAtItsFirstCommitThenAThirdThenTwoThirdsThroughLosesNothing() throws Exception {
        Path work = Files.createTempDirectory("tw-kill-one");
        TokenwatchConfig config = config("kill-one", work.resolve("state"), FreePort.pick());
        Path props = writeProperties(work.resolve("one.properties"), config);
        long total = EXPECTED.size();
        int run = 0;
        for (LongPredicate killWhen : List.<LongPredicate>of(committed -> committed > 0, committed -> committed >= total / 3, committed -> committed >= 2 * total / 3)) {
            Process instance = start(props, config, work.resolve("run-" + ++run + ".log"));
            killWhenCommitted(config, killWhen, instance);
        }
        Process last = start(props, config, work.resolve("run-last.log"));
        try {
            assertEveryCallJoinedOnceAsSent(config);
        } finally {
            last.destroy();
            last.waitFor();
        }
    }

    @Test
    void aSecondInstanceJoiningWhileTheFirstIsKilledAtItsFirstCommitLosesNothing() throws Exception {
        Path work = Files.createTempDirectory("tw-kill-two");
        TokenwatchConfig first = config("kill-two", work.resolve("state-a"), FreePort.pick());
        TokenwatchConfig second = config("kill-two", work.resolve("state-b"), FreePort.pick());
        Path propsA = writeProperties(work.resolve("a.properties"), first);
        Path propsB = writeProperties(work.resolve("b.properties"), second);
        Process a = start(propsA, first, work.resolve("a-1.log"));
        awaitCommitted(first, committed -> committed > 0);
        // The second instance starts joining, and the first is killed while the group rebalances to give it half the tasks.
        Process b = TokenwatchProcess.start(List.of("run", "--config", propsB.toString()), Map.of(), work.resolve("b.log"));
        try {
            kill(first, a);
            TokenwatchProcess.awaitReady(second.httpPort, b, work.resolve("b.log"));
            a = start(propsA, first, work.resolve("a-2.log"));
            assertEveryCallJoinedOnceAsSent(first);
        } finally {
            for (Process p : List.of(a, b)) {
                p.destroy();
                p.waitFor();
            }
        }
    }

    @Test
    void theBrokerStoppedForHalfAMinuteUnderACatchUpLosesNothing() throws Exception {
        Path work = Files.createTempDirectory("tw-broker-down");
        TokenwatchConfig config = config("broker-down", work.resolve("state"), FreePort.pick());
        Path log = work.resolve("run.log");
        Process instance = start(writeProperties(work.resolve("broker-down.properties"), config), config, log);
        try {
            awaitCommitted(config, committed -> committed >= EXPECTED.size() / 3);
            broker.stop();
            // The outage is the scenario: the app has no broker for this long, whatever it does meanwhile.
            await().pollDelay(BROKER_OUTAGE).atMost(BROKER_OUTAGE.plusSeconds(5)).until(() -> true);
            assertThat(instance.isAlive()).as(() -> TokenwatchProcess.tail(log)).isTrue();
            broker.start();
            assertEveryCallJoinedOnceAsSent(config);
            assertThat(instance.isAlive()).as(() -> TokenwatchProcess.tail(log)).isTrue();
        } finally {
            instance.destroy();
            instance.waitFor();
        }
    }

    /** Kills {@code instance} with -9 as soon as {@code when} holds of the calls committed so far. */
    private static void killWhenCommitted(TokenwatchConfig config, LongPredicate when, Process instance) throws Exception {
        awaitCommitted(config, when);
        kill(config, instance);
    }

    private static void awaitCommitted(TokenwatchConfig config, LongPredicate when) {
        try (Admin admin = broker.admin()) {
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(10)).until(() -> when.test(committedCalls(admin, config)));
        }
    }

    private static void kill(TokenwatchConfig config, Process instance) throws InterruptedException {
        instance.destroyForcibly().waitFor();
        try (Admin admin = broker.admin()) {
            System.out.printf("killed with -9 at %,d of %,d calls committed%n", committedCalls(admin, config), EXPECTED.size());
        }
    }

    /** The joined topic holds every call once with the outcome sent, nothing is dead-lettered, and every session sums its calls. */
    private static void assertEveryCallJoinedOnceAsSent(TokenwatchConfig config) {
        Map<String, OutcomeState> joined = new HashMap<>();
        Map<String, SessionSummary> sessions = new HashMap<>();
        List<String> twice = new ArrayList<>();
        List<String> deadLetters = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = TokenwatchProcess.readFromStart(broker.bootstrapServers(),
                List.of(config.joinedTopic, config.dlqTopic, config.sessionsTopic))) {
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ZERO).untilAsserted(() -> {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals(config.dlqTopic)) {
                        deadLetters.add(r.key() == null ? "?" : r.key());
                    } else if (r.topic().equals(config.sessionsTopic)) {
                        if (r.value() == null) {
                            sessions.remove(r.key());
                        } else {
                            sessions.put(r.key(), (SessionSummary) decoder.deserialize(r.topic(), r.value()));
                        }
                    } else if (joined.put(r.key(), ((JoinedCall) decoder.deserialize(r.topic(), r.value())).getOutcomeState()) != null) {
                        twice.add(r.key());
                    }
                }
                assertThat(joined.size()).as(() -> "calls joined; missing: " + EXPECTED.keySet().stream().filter(id -> !joined.containsKey(id))
                        .limit(20).toList()).isEqualTo(EXPECTED.size());
                assertThat(sessionTotals(sessions)).isEqualTo(EXPECTED_SESSIONS);
            });
            // Anything still in flight that should not be there.
            await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
            consumer.poll(Duration.ofMillis(500)).forEach(r -> {
                if (r.topic().equals(config.joinedTopic) || r.topic().equals(config.dlqTopic)) {
                    twice.add(r.topic() + " " + r.key());
                }
            });
        }
        assertThat(twice).as("calls written twice, or dead-lettered late").isEmpty();
        assertThat(deadLetters).as("valid records dead-lettered").isEmpty();
        assertThat(new TreeMap<>(joined)).isEqualTo(new TreeMap<>(EXPECTED));
    }

    /** Per session id, summed over its windows: calls, accepted, rejected, abandoned. */
    private static Map<String, List<Long>> sessionTotals(Map<String, SessionSummary> sessions) {
        Map<String, List<Long>> totals = new TreeMap<>();
        sessions.values().forEach(s -> totals.merge(s.getSessionId(), List.of(s.getCalls(), s.getAccepted(), s.getRejected(), s.getAbandoned()),
                KillAnyMomentIT::plus));
        return totals;
    }

    private static List<Long> plus(List<Long> a, List<Long> b) {
        return List.of(a.get(0) + b.get(0), a.get(1) + b.get(1), a.get(2) + b.get(2), a.get(3) + b.get(3));
    }

    private static Process start(Path properties, TokenwatchConfig config, Path log) throws IOException {
        Process process = TokenwatchProcess.start(List.of("run", "--config", properties.toString()), Map.of(), log);
        TokenwatchProcess.awaitReady(config.httpPort, process, log);
        return process;
    }

    private static long committedCalls(Admin admin, TokenwatchConfig config) {
        try {
            return admin.listConsumerGroupOffsets(config.kafkaProperties().get("application.id").toString()).partitionsToOffsetAndMetadata().get()
                    .entrySet().stream().filter(e -> e.getKey().topic().equals(config.callsTopic) && e.getValue() != null)
                    .mapToLong(e -> e.getValue().offset()).sum();
        } catch (Exception e) {
            return 0;
        }
    }

    /** One application per test, on the shared input topics, with outputs of its own. */
    private static TokenwatchConfig config(String app, Path stateDir, int httpPort) {
        Map<String, String> settings = TokenwatchProcess.instanceSettings(broker.bootstrapServers(), registry.url(), app, stateDir, PARTITIONS, httpPort);
        // Static membership, as the Helm chart runs it: an instance started again takes its tasks back at once
        // instead of after the killed one's session times out.
        settings.put("group.instance.id", app + "-" + stateDir.getFileName());
        for (String topic : List.of("joined", "stats", "sessions", "alerts", "dlq")) {
            settings.put("tokenwatch.topic." + topic, app + "." + topic);
        }
        return TokenwatchConfig.of(settings);
    }

    private static Path writeProperties(Path file, TokenwatchConfig config) throws IOException {
        Map<String, String> settings = new HashMap<>(Map.of("tokenwatch.topics.partitions", Integer.toString(PARTITIONS)));
        for (String topic : List.of("joined", "stats", "sessions", "alerts", "dlq")) {
            settings.put("tokenwatch.topic." + topic, config.kafkaProperties().get("application.id") + "." + topic);
        }
        return TokenwatchProcess.writeProperties(file, config, settings);
    }
}
