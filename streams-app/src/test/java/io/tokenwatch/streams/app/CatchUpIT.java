package io.tokenwatch.streams.app;

import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.events.v1.Budget;
import io.tokenwatch.events.v1.BudgetPeriod;
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
import io.tokenwatch.streams.errors.DeadLetterHandler;
import io.tokenwatch.streams.support.FreePort;
import io.tokenwatch.streams.support.TokenwatchProcess;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Catch-up, crash and rebalance on a real broker: six modelled days on 4 partitions is produced as fast
 * as the broker takes it before the app starts, so the two instances read partitions (and the calls
 * and outcomes of one partition) out of step. One instance runs as its own JVM and is killed with -9
 * half way, then started again while the schema registry refuses its first requests. Then an hour of
 * live traffic with three incidents and a handful of bad records. The results must be what in-order
 * processing gives: every call joined exactly once with the outcome sent, the dead-letter topic
 * holding exactly the bad records, each incident alerting and nothing else, session totals equal to
 * the sums of their calls.
 */
class CatchUpIT {
    private static final String APP_ID = "tokenwatch-catchup";
    private static final int PARTITIONS = 4;
    private static final int CALLS_PER_HOUR = 12;
    private static final int INCIDENT_CALLS = 40;
    private static final List<String> TASKS = List.of("review", "tests", "docs", "triage", "summaries", "planning");
    /** Six days: a week-old joined record would fall to the broker's default 7-day retention before it is read. */
    private static final Duration HISTORY = Duration.ofDays(6);

    private static EmbeddedKafkaBroker broker;
    private static LocalSchemaRegistryServer registry;
    private static KafkaProducer<String, byte[]> producer;
    private static KafkaAvroSerializer avro;
    private static KafkaAvroDeserializer decoder;

    /** What every valid call's joined record must say: the outcome sent, or NONE for calls sent without one. */
    private final Map<String, OutcomeState> expectedOutcome = new HashMap<>();
    /** Per session id: calls, accepted, rejected, abandoned. */
    private final Map<String, long[]> expectedSessions = new TreeMap<>();
    private final Map<String, Integer> expectedDeadLetters = new TreeMap<>();
    private final Map<String, Integer> perTaskCount = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedKafkaBroker.onFreePorts().start();
        registry = new LocalSchemaRegistryServer(null);
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"), new StringSerializer(), new ByteArraySerializer());
        avro = new KafkaAvroSerializer();
        avro.configure(Map.of("schema.registry.url", registry.url()), false);
        decoder = new KafkaAvroDeserializer();
        decoder.configure(Map.of("schema.registry.url", registry.url(), "specific.avro.reader", "true"), false);
    }

    @AfterAll
    static void stop() {
        producer.close();
        broker.close();
        registry.close();
    }

    @Test
    void catchUpCrashAndSecondInstanceGiveWhatInOrderProcessingGives() throws Exception {
        Path workDir = Files.createTempDirectory("tw-catchup");
        TokenwatchConfig config = config(workDir.resolve("state-a"), FreePort.pick());
        try (Admin admin = broker.admin()) {
            TopicSetup.ensureTopics(admin, config);
        }
        // A daily budget docs crosses every full day (warned at $1 and $2 of its $2.88), and a monthly one nobody comes near.
        BudgetTopic.write(config, Map.of(
                "task|docs|day", Budget.newBuilder().setDimension("task").setGroup("docs").setPeriod(BudgetPeriod.DAY).setAmountUsd(2.00)
                        .setWarnAt(List.of(0.5, 1.0)).setUpdatedAt(Instant.now()).build(),
                "task|planning|month", Budget.newBuilder().setDimension("task").setGroup("planning").setPeriod(BudgetPeriod.MONTH)
                        .setAmountUsd(1_000).setUpdatedAt(Instant.now()).build()));
        Instant now = Instant.now();
        Instant historyEnd = now.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1));
        Instant historyStart = historyEnd.minus(HISTORY);
        produceHistory(historyStart, historyEnd);
        producer.flush();
        long historyCalls = expectedOutcome.size();
        assertThat(historyCalls).as("6 tasks x 12 calls x 144 hours").isEqualTo(10_368);

        TokenwatchConfig configB = config(workDir.resolve("state-b"), FreePort.pick());
        Path propsB = writeProperties(workDir.resolve("b.properties"), configB);
        int httpB = configB.httpPort;
        Process b = startInstance(propsB, workDir.resolve("b-1.log"));
        TokenwatchApp a = null;
        try {
            TokenwatchProcess.awaitReady(httpB, b, workDir.resolve("b-1.log"));
            // Kill the separate JVM with -9 once roughly a third of the week has been committed. Watched from the moment
            // it is ready, while the second instance starts and joins: alone, it can get through the week in a few seconds.
            Process first = b;
            CompletableFuture<Long> killedAt = CompletableFuture.supplyAsync(() -> {
                try (Admin admin = broker.admin()) {
                    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(20))
                            .until(() -> committedCalls(admin, config.callsTopic) >= historyCalls / 3);
                    first.destroyForcibly().waitFor();
                    return committedCalls(admin, config.callsTopic);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            a = TokenwatchApp.start(config);
            assertThat(a.awaitRunning(Duration.ofSeconds(120))).isTrue();
            assertThat(killedAt.get(3, java.util.concurrent.TimeUnit.MINUTES)).as("killed half way, not after the end").isLessThan(historyCalls);
            // Started again on the same state directory, while the registry refuses its first requests:
            // decoding waits for it instead of dead-lettering valid records.
            int requestsBefore = registry.requests().size();
            registry.failNext(15);
            b = startInstance(propsB, workDir.resolve("b-2.log"));
            TokenwatchProcess.awaitReady(httpB, b, workDir.resolve("b-2.log"));

            awaitCondition(Duration.ofMinutes(2), () -> registry.requests().size() >= requestsBefore + 15);

            // The catch-up, finished: every history call joined, and every delta judged in event-time order.
            Outputs out = new Outputs(config);
            awaitCondition(Duration.ofMinutes(4), () -> {
                out.poll();
                return out.joined.size() >= historyCalls;
            }, out::describe);
            assertThat(a.meterRegistry().get("tokenwatch.deltas.taken.on.arrival").counter().count()).as("deltas taken out of order by instance a")
                    .isZero();
            assertThat(TokenwatchProcess.metric(httpB, "tokenwatch_deltas_taken_on_arrival_total")).as("deltas taken out of order by instance b").isZero();

            Instant liveHour = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1));
            produceLiveHourWithIncidents(liveHour, historyStart);
            producer.flush();
            awaitCondition(Duration.ofMinutes(5), () -> {
                out.poll();
                return out.joined.size() >= expectedOutcome.size() && out.sessionsMatch(expectedSessions)
                        && out.alertedGroupMetrics().containsAll(expectedAlerts()) && out.deadLettersByReason().equals(expectedDeadLetters);
            }, () -> out.describe() + "\nmissing on joined: " + expectedOutcome.entrySet().stream()
                    .filter(e -> !out.joined.containsKey(e.getKey())).limit(30).map(Map.Entry::toString).toList()
                    + "\nsessions differing: " + out.sessionDifferences(expectedSessions));
            out.pollFor(Duration.ofSeconds(5)); // anything still in flight that should not be there

            assertThat(out.duplicatesOnJoined).as("calls written to the joined topic more than once").isEmpty();
            Map<String, OutcomeState> joinedStates = out.joined.entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().getOutcomeState()));
            assertThat(joinedStates).isEqualTo(expectedOutcome);
            assertThat(out.deadLettersByReason()).isEqualTo(expectedDeadLetters);
            assertThat(out.alertedGroupMetrics()).containsExactlyInAnyOrderElementsOf(expectedAlerts());
            assertThat(out.openedTwice).as("a second OPEN for one alert id").isEmpty();
            // Budget warnings as in-order processing raises them: each at the call that crossed, once, in event-time order.
            assertThat(out.budgetUpdates).isEqualTo(expectedBudgetUpdates());
            assertThat(out.sessionsMatch(expectedSessions)).as(out.describe()).isTrue();
            assertThat(expectedSessions).as("a session per task and hour").hasSize(6 * 145);
            assertThat(b.isAlive()).isTrue();
            assertThat(a.isRunning()).isTrue();
        } finally {
            if (a != null) {
                a.close();
            }
            b.destroy();
            b.waitFor();
        }
    }

    @Test
    void refusesToStartWhenCallsAndOutcomesDifferInPartitionCount() {
        broker.createTopics(4, List.of("calls-4p"));
        broker.createTopics(2, List.of("outcomes-2p"));
        java.io.StringWriter err = new java.io.StringWriter();
        int exit = io.tokenwatch.streams.cli.TokenwatchCli.commandLine().setErr(new java.io.PrintWriter(err, true)).execute("run",
                "--set", "bootstrap.servers=" + broker.bootstrapServers(), "--set", "schema.registry.url=" + registry.url(),
                "--set", "application.id=mismatch", "--set", "tokenwatch.topic.calls=calls-4p", "--set", "tokenwatch.topic.outcomes=outcomes-2p",
                "--set", "tokenwatch.otlp.enabled=false");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("Cannot start: calls-4p has 4 partitions but outcomes-2p has 2: they must be equal"
                + " (a call and its outcome share a key and must land in the same partition number)");
    }

    @Test
    void aQuietCaughtUpPartitionStillClosesOutcomeWindowsJustAfterTheirDeadline() throws Exception {
        Path workDir = Files.createTempDirectory("tw-quiet");
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", broker.bootstrapServers());
        settings.put("schema.registry.url", registry.url());
        settings.put("application.id", "tokenwatch-quiet");
        settings.put("state.dir", workDir.toString());
        settings.put("tokenwatch.http.port", Integer.toString(FreePort.pick()));
        settings.put("tokenwatch.outcome.window", "PT5S");
        settings.put("tokenwatch.outcome.grace", "PT1S");
        for (String topic : List.of("calls", "outcomes", "joined", "stats", "sessions", "alerts", "dlq")) {
            settings.put("tokenwatch.topic." + topic, "quiet." + topic);
        }
        TokenwatchConfig config = TokenwatchConfig.of(settings);
        try (TokenwatchApp app = TokenwatchApp.start(config);
             KafkaConsumer<String, byte[]> joined = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                     ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                     new StringDeserializer(), new ByteArrayDeserializer())) {
            assertThat(app.awaitRunning(Duration.ofSeconds(120))).isTrue();
            List<TopicPartition> partitions = joined.partitionsFor("quiet.joined").stream().map(p -> new TopicPartition("quiet.joined", p.partition())).toList();
            joined.assign(partitions);
            // One call on one of four partitions, no outcome, nothing else: every input is caught up and quiet.
            LlmCall call = call("quiet", 1, Instant.now(), "s-quiet").setCallId("waits-for-nobody").build();
            producer.send(new ProducerRecord<>("quiet.calls", null, call.getTimestamp().toEpochMilli(), call.getCallId(), encode("quiet.calls", call)));
            producer.flush();
            long deadline = call.getTimestamp().plusSeconds(6).toEpochMilli();
            long[] seenAt = {0};
            awaitCondition(Duration.ofSeconds(60), () -> {
                for (ConsumerRecord<String, byte[]> r : joined.poll(Duration.ofMillis(20))) {
                    JoinedCall j = (JoinedCall) decoder.deserialize(r.topic(), r.value());
                    if (j.getOutcomeState() == OutcomeState.NONE) {
                        seenAt[0] = System.currentTimeMillis();
                    }
                }
                return seenAt[0] > 0;
            });
            long late = seenAt[0] - deadline;
            System.out.printf("quiet partition: NONE readable %d ms after the call's deadline%n", late);
            assertThat(late).as("ms after the deadline (idle 250 ms + marker tick + exactly-once commit)").isBetween(0L, 2_000L);
        }
    }

    private Set<String> expectedAlerts() {
        Set<String> alerts = new HashSet<>(Set.of("review|tool_calls_per_call", "tests|retry_rate", "docs|tokens_per_call"));
        if (!expectedBudgetUpdates().isEmpty()) {
            alerts.add("docs|budget_spend");
        }
        return alerts;
    }

    /** Every docs call, in event time: it costs $0.01. */
    private final List<LlmCall> docsCalls = new ArrayList<>();

    /**
     * The docs budget's alert updates in-order processing gives, worked out from the calls sent: per UTC day, a
     * warning at the 100th call ($1.00, 50 %) and the 200th ($2.00, 100 %), and the day's end once a later day begins.
     */
    private Map<String, List<String>> expectedBudgetUpdates() {
        Map<String, List<String>> updates = new TreeMap<>();
        Map<Instant, List<LlmCall>> byDay = docsCalls.stream().collect(Collectors.groupingBy(c -> c.getTimestamp().truncatedTo(ChronoUnit.DAYS),
                TreeMap::new, Collectors.toList()));
        Instant lastDay = ((TreeMap<Instant, List<LlmCall>>) byDay).lastKey();
        byDay.forEach((day, calls) -> {
            List<String> seen = new ArrayList<>();
            if (calls.size() >= 100) {
                seen.add("OPEN 0.5 at " + calls.get(99).getCallId() + " spent 1.0");
            }
            if (calls.size() >= 200) {
                seen.add("ESCALATED 1.0 at " + calls.get(199).getCallId() + " spent 2.0");
            }
            if (!seen.isEmpty() && !day.equals(lastDay)) {
                seen.add("RESOLVED " + (calls.size() >= 200 ? "1.0" : "0.5") + " at null spent " + calls.size() / 100.0);
            }
            if (!seen.isEmpty()) {
                updates.put("task|docs|day|budget_spend|" + day, seen);
            }
        });
        return updates;
    }

    /** Each task: 12 calls an hour, outcome 60 s later (every 5th rejected); calls older than 26 h: every 7th abandoned. */
    private void produceHistory(Instant from, Instant to) {
        Instant abandonBefore = to.minus(Duration.ofHours(26));
        String duplicateSource = null;
        int hourIndex = 0;
        for (Instant hour = from; hour.isBefore(to); hour = hour.plus(Duration.ofHours(1)), hourIndex++) {
            for (int i = 0; i < CALLS_PER_HOUR; i++) {
                Instant t = hour.plus(Duration.ofMinutes(5L * i));
                for (String task : TASKS) {
                    int n = perTaskCount.merge(task, 1, Integer::sum);
                    LlmCall call = call(task, n, t, "s-" + task + "-" + hourIndex).setRetryCount(n % 10 == 0 ? 1 : 0).build();
                    boolean abandon = t.isBefore(abandonBefore) && n % 7 == 0;
                    send(call, abandon ? null : (n % 5 == 0 ? Outcome.REJECTED : Outcome.ACCEPTED));
                    if (duplicateSource == null && t.isAfter(to.minus(Duration.ofHours(20)))) {
                        duplicateSource = call.getCallId();
                    }
                }
            }
            if (hourIndex == 24) {
                // An outcome for a call that is never sent: given up once the calls are read a day past it.
                CallOutcome orphan = outcome("never-sent", Outcome.ACCEPTED, hour);
                producer.send(new ProducerRecord<>("llm.outcomes.v1", null, hour.toEpochMilli(), "never-sent", encode("llm.outcomes.v1", orphan)));
                expectedDeadLetters.merge("unmatched-outcome", 1, Integer::sum);
            }
            if (hourIndex == 30) {
                producer.send(new ProducerRecord<>("llm.calls.v1", null, hour.toEpochMilli(), "garbage", new byte[] {0x42, 1, 2, 3}));
                expectedDeadLetters.merge("malformed", 1, Integer::sum);
                producer.send(new ProducerRecord<>("llm.outcomes.v1", null, hour.toEpochMilli(), "unknown-id", new byte[] {0, 0, 0, 0x7f, 0x7f, 2}));
                expectedDeadLetters.merge("unknown-schema-id", 1, Integer::sum);
                LlmCall negative = call("review", 0, hour, "s-bad").setCallId("negative-tokens").setOutputTokens(-5).build();
                producer.send(new ProducerRecord<>("llm.calls.v1", null, hour.toEpochMilli(), negative.getCallId(), encode("llm.calls.v1", negative)));
                expectedDeadLetters.merge("invalid", 1, Integer::sum);
            }
        }
        this.duplicateOf = duplicateSource;
    }

    private String duplicateOf;

    /** The last full hour, live: three incidents, three normal tasks, and the remaining bad records. */
    private void produceLiveHourWithIncidents(Instant hour, Instant historyStart) {
        int hourIndex = (int) Duration.between(historyStart, hour).toHours();
        for (String task : TASKS) {
            boolean incident = !task.equals("triage") && !task.equals("summaries") && !task.equals("planning");
            int calls = incident ? INCIDENT_CALLS : CALLS_PER_HOUR;
            for (int i = 0; i < calls; i++) {
                Instant t = hour.plusMillis(i * Duration.ofMinutes(59).toMillis() / calls);
                int n = perTaskCount.merge(task, 1, Integer::sum);
                LlmCall.Builder b = call(task, n, t, "s-" + task + "-" + hourIndex).setRetryCount(n % 10 == 0 ? 1 : 0);
                switch (task) {
                    case "review" -> b.setToolCalls(3);
                    case "tests" -> b.setRetryCount(2);
                    case "docs" -> b.setInputTokens(20_000);
                    default -> { }
                }
                send(b.build(), n % 5 == 0 ? Outcome.REJECTED : Outcome.ACCEPTED);
            }
        }
        long at = hour.plus(Duration.ofMinutes(30)).toEpochMilli();
        LlmCall duplicate = call("triage", 0, hour.plus(Duration.ofMinutes(30)), "s-dup").setCallId(duplicateOf).build();
        producer.send(new ProducerRecord<>("llm.calls.v1", null, at, duplicateOf, encode("llm.calls.v1", duplicate)));
        expectedDeadLetters.merge("duplicate", 1, Integer::sum);
        LlmCall late = call("triage", 0, hour.minus(Duration.ofDays(3)), "s-late").setCallId("three-days-late").build();
        producer.send(new ProducerRecord<>("llm.calls.v1", null, at, late.getCallId(), encode("llm.calls.v1", late)));
        expectedDeadLetters.merge("late", 1, Integer::sum);
        LlmCall future = call("triage", 0, Instant.now().plus(Duration.ofHours(3)), "s-future").setCallId("from-the-future").build();
        producer.send(new ProducerRecord<>("llm.calls.v1", null, at, future.getCallId(), encode("llm.calls.v1", future)));
        expectedDeadLetters.merge("future", 1, Integer::sum);
        CallOutcome misKeyed = outcome(duplicateOf, Outcome.EDITED, hour.plus(Duration.ofMinutes(31)));
        producer.send(new ProducerRecord<>("llm.outcomes.v1", null, at, "not-the-call-id", encode("llm.outcomes.v1", misKeyed)));
        expectedDeadLetters.merge("key-mismatch", 1, Integer::sum);
    }

    private void send(LlmCall call, Outcome outcome) {
        long t = call.getTimestamp().toEpochMilli();
        if (call.getTask().equals("docs")) {
            docsCalls.add(call);
        }
        producer.send(new ProducerRecord<>("llm.calls.v1", null, t, call.getCallId(), encode("llm.calls.v1", call)));
        long[] session = expectedSessions.computeIfAbsent(call.getSessionId(), s -> new long[4]);
        session[0]++;
        if (outcome == null) {
            expectedOutcome.put(call.getCallId(), OutcomeState.NONE);
            session[3]++;
            return;
        }
        Instant decided = call.getTimestamp().plusSeconds(60);
        producer.send(new ProducerRecord<>("llm.outcomes.v1", null, decided.toEpochMilli(), call.getCallId(),
                encode("llm.outcomes.v1", outcome(call.getCallId(), outcome, decided))));
        expectedOutcome.put(call.getCallId(), OutcomeState.valueOf(outcome.name()));
        session[outcome == Outcome.REJECTED ? 2 : 1]++;
    }

    private static LlmCall.Builder call(String task, int n, Instant t, String session) {
        return LlmCall.newBuilder().setCallId(task + "-" + n).setTimestamp(t).setProvider("anthropic").setModel("claude-sonnet-4-5")
                .setTask(task).setTeam("platform").setFeature("bots").setPromptVersion("v1").setSessionId(session)
                .setInputTokens(10_000).setOutputTokens(1_000).setCostUsd(new BigDecimal("0.010000000"))
                .setLatencyMs(1_000).setRetryCount(0).setToolCalls(1);
    }

    private static CallOutcome outcome(String callId, Outcome outcome, Instant at) {
        return CallOutcome.newBuilder().setCallId(callId).setOutcome(outcome).setDecidedAt(at).setDecidedBy("reviewer").build();
    }

    private static byte[] encode(String topic, Object value) {
        return avro.serialize(topic, value);
    }

    private TokenwatchConfig config(Path stateDir, int httpPort) {
        return TokenwatchConfig.of(TokenwatchProcess.instanceSettings(broker.bootstrapServers(), registry.url(), APP_ID, stateDir, PARTITIONS, httpPort));
    }

    private static Path writeProperties(Path file, TokenwatchConfig config) throws IOException {
        return TokenwatchProcess.writeProperties(file, config, Map.of("tokenwatch.topics.partitions", Integer.toString(PARTITIONS)));
    }

    /** The app's own command line in a separate JVM (the test's classpath), so it can be killed with -9. */
    private static Process startInstance(Path properties, Path log) throws IOException {
        return TokenwatchProcess.start(List.of("run", "--config", properties.toString()), Map.of(), log);
    }

    private static long committedCalls(Admin admin, String callsTopic) {
        try {
            return admin.listConsumerGroupOffsets(APP_ID).partitionsToOffsetAndMetadata().get().entrySet().stream()
                    .filter(e -> e.getKey().topic().equals(callsTopic) && e.getValue() != null)
                    .mapToLong(e -> e.getValue().offset()).sum();
        } catch (Exception e) {
            return 0;
        }
    }

    private static void awaitCondition(Duration timeout, BooleanSupplier condition) {
        awaitCondition(timeout, condition, () -> "");
    }

    /** Polls {@code condition} until it holds; on timeout the failure says {@code state}. */
    private static void awaitCondition(Duration timeout, BooleanSupplier condition, java.util.function.Supplier<String> state) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(condition.getAsBoolean()).as(state).isTrue());
    }

    /** Everything the pipeline wrote, read committed, accumulated across polls. */
    private static final class Outputs {
        final Map<String, JoinedCall> joined = new HashMap<>();
        final Set<String> duplicatesOnJoined = new HashSet<>();
        final Map<String, AnomalyAlert> alerts = new HashMap<>();
        /** Every update of each budget alert, in the order read: status, fraction, trigger call, spend. */
        final Map<String, List<String>> budgetUpdates = new TreeMap<>();
        final Set<String> openedTwice = new HashSet<>();
        final Map<String, SessionSummary> sessions = new HashMap<>();
        final List<String> deadLetterReasons = new ArrayList<>();
        final Map<String, String> firstDeadLetterMessage = new TreeMap<>();
        private final KafkaConsumer<String, byte[]> consumer;
        private final TokenwatchConfig config;

        Outputs(TokenwatchConfig config) {
            this.config = config;
            consumer = TokenwatchProcess.readFromStart(broker.bootstrapServers(),
                    List.of(config.joinedTopic, config.alertsTopic, config.sessionsTopic, config.dlqTopic));
        }

        void pollFor(Duration duration) {
            long end = System.nanoTime() + duration.toNanos();
            while (System.nanoTime() < end) {
                poll();
            }
        }

        void poll() {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.topic().equals(config.dlqTopic)) {
                    var reason = r.headers().lastHeader(DeadLetterHandler.REASON_HEADER);
                    var exception = r.headers().lastHeader(DeadLetterHandler.HEADER_EXCEPTION);
                    String why = reason != null ? new String(reason.value(), StandardCharsets.UTF_8)
                            : "no reason header (" + (exception == null ? "?" : new String(exception.value(), StandardCharsets.UTF_8)) + ")";
                    deadLetterReasons.add(why);
                    var message = r.headers().lastHeader(DeadLetterHandler.HEADER_MESSAGE);
                    firstDeadLetterMessage.putIfAbsent(why, r.key() + ": " + (message == null ? "" : new String(message.value(), StandardCharsets.UTF_8)));
                } else if (r.topic().equals(config.joinedTopic)) {
                    if (joined.put(r.key(), (JoinedCall) decoder.deserialize(r.topic(), r.value())) != null) {
                        duplicatesOnJoined.add(r.key());
                    }
                } else if (r.topic().equals(config.alertsTopic)) {
                    AnomalyAlert alert = (AnomalyAlert) decoder.deserialize(r.topic(), r.value());
                    if (alert.getBudget() != null) {
                        budgetUpdates.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(alert.getStatus() + " " + alert.getBudget().getWarningFraction()
                                + " at " + alert.getTriggerCallId() + " spent " + Math.round(alert.getBudget().getSpentUsd() * 100) / 100.0);
                    }
                    AnomalyAlert previous = alerts.put(r.key(), alert);
                    if (previous != null && alert.getStatus().name().equals("OPEN")) {
                        openedTwice.add(r.key());
                    }
                } else if (r.value() == null) {
                    sessions.remove(r.key());
                } else {
                    sessions.put(r.key(), (SessionSummary) decoder.deserialize(r.topic(), r.value()));
                }
            }
        }

        Set<String> alertedGroupMetrics() {
            return alerts.values().stream().map(a -> a.getGroup() + "|" + a.getMetric()).collect(Collectors.toSet());
        }

        Map<String, Integer> deadLettersByReason() {
            Map<String, Integer> byReason = new TreeMap<>();
            deadLetterReasons.forEach(r -> byReason.merge(r, 1, Integer::sum));
            return byReason;
        }

        /** Per session id, summed over its windows (a session id holds one session here): calls, accepted, rejected, abandoned. */
        boolean sessionsMatch(Map<String, long[]> expected) {
            Map<String, long[]> actual = sessionTotals();
            if (!actual.keySet().equals(expected.keySet())) {
                return false;
            }
            return expected.entrySet().stream().allMatch(e -> java.util.Arrays.equals(e.getValue(), actual.get(e.getKey())));
        }

        private Map<String, long[]> sessionTotals() {
            Map<String, long[]> actual = new TreeMap<>();
            sessions.values().forEach(s -> {
                long[] sums = actual.computeIfAbsent(s.getSessionId(), k -> new long[4]);
                sums[0] += s.getCalls();
                sums[1] += s.getAccepted();
                sums[2] += s.getRejected();
                sums[3] += s.getAbandoned();
            });
            return actual;
        }

        List<String> sessionDifferences(Map<String, long[]> expected) {
            Map<String, long[]> actual = sessionTotals();
            List<String> differences = new ArrayList<>();
            expected.forEach((id, sums) -> {
                if (!java.util.Arrays.equals(sums, actual.get(id)) && differences.size() < 20) {
                    differences.add(id + " expected " + java.util.Arrays.toString(sums) + " got " + java.util.Arrays.toString(actual.get(id)));
                }
            });
            actual.keySet().stream().filter(id -> !expected.containsKey(id)).limit(5).forEach(id -> differences.add("unexpected " + id));
            return differences;
        }

        String describe() {
            return "joined " + joined.size() + ", sessions " + sessions.size() + ", alerts " + alertedGroupMetrics()
                    + ", dead letters " + deadLettersByReason() + "\nfirst of each: " + firstDeadLetterMessage;
        }
    }
}
