package io.tokenwatch.streams.topology;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwatch.events.v1.AnomalyAlert;
import io.tokenwatch.events.v1.Budget;
import io.tokenwatch.events.v1.CallOutcome;
import io.tokenwatch.events.v1.GroupWindowStats;
import io.tokenwatch.events.v1.JoinedCall;
import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.Outcome;
import io.tokenwatch.events.v1.SessionSummary;
import io.tokenwatch.registry.MockSchemaRegistry;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.streams.budget.BudgetCalendar;
import io.tokenwatch.streams.config.PipelineSettings;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;

/** The real topology on a TopologyTestDriver with an in-process registry, and helpers to feed it. */
final class TopologyHarness implements AutoCloseable {
    static final Instant START = Instant.parse("2026-11-01T00:00:00Z");
    static final long HOUR = 3_600_000L;
    static final Instant WALL_CLOCK_START = START.minus(Duration.ofDays(365));

    final TokenwatchConfig config;
    final Topics topics;
    final TopologyTestDriver driver;
    final TestInputTopic<String, LlmCall> calls;
    final TestInputTopic<String, CallOutcome> outcomes;
    final TestInputTopic<String, byte[]> rawCalls;
    final TestInputTopic<String, Budget> budgets;
    final TestOutputTopic<String, JoinedCall> joined;
    final TestOutputTopic<String, GroupWindowStats> stats;
    final TestOutputTopic<String, AnomalyAlert> alerts;
    final TestOutputTopic<String, SessionSummary> sessions;
    final TestOutputTopic<byte[], byte[]> dlq;
    /** The pipeline's counters, as /metrics would show them. */
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final String scope = "ttd-" + UUID.randomUUID();
    private int seq;
    private Instant wallClock = WALL_CLOCK_START;
    /** What the join is told about its inputs: caught up (everything piped is processed at once), except while history() delivers an hour. */
    private volatile boolean caughtUp = true;

    TopologyHarness(Map<String, String> overrides) {
        Map<String, String> settings = new HashMap<>(Map.of(
                StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092",
                "schema.registry.url", "mock://" + scope,
                // Idle after one marker interval (100 ms) without records: each pipe is followed by one tick.
                "tokenwatch.watermark.idle", "PT0.05S"));
        settings.putAll(overrides);
        config = TokenwatchConfig.of(settings);
        topics = Topics.of(PipelineSettings.of(config).topology());
        Properties props = PipelineSettings.of(config).topology().streams();
        try {
            props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("tw-ttd").toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        // Live processing, simulated: the wall clock follows the events piped in (it is moved up to each
        // record's time before it is piped, never back), and every pipe is followed by a little more wall
        // clock, for the join to send its progress downstream. Everything piped is processed at once, so
        // both inputs are always caught up.
        driver = new TopologyTestDriver(TokenwatchTopology.build(PipelineSettings.of(config).topology(), topics, new PipelineMetrics(meters), 1, (topic, partition, nextOffset) -> caughtUp),
                props, WALL_CLOCK_START);
        calls = driver.createInputTopic(config.callsTopic, new StringSerializer(), topics.calls().values().serializer());
        outcomes = driver.createInputTopic(config.outcomesTopic, new StringSerializer(), topics.outcomes().values().serializer());
        rawCalls = driver.createInputTopic(config.callsTopic, new StringSerializer(), new ByteArraySerializer());
        budgets = driver.createInputTopic(config.budgetsTopic, new StringSerializer(), topics.budgets().values().serializer());
        joined = driver.createOutputTopic(config.joinedTopic, new StringDeserializer(), topics.joined().values().deserializer());
        stats = driver.createOutputTopic(config.statsTopic, new StringDeserializer(), topics.stats().values().deserializer());
        alerts = driver.createOutputTopic(config.alertsTopic, new StringDeserializer(), topics.alerts().values().deserializer());
        sessions = driver.createOutputTopic(config.sessionsTopic, new StringDeserializer(), topics.sessions().values().deserializer());
        dlq = driver.createOutputTopic(config.dlqTopic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    TopologyHarness() {
        this(Map.of());
    }

    /** A call of {@code task} at {@code time}: 10,000 input and 1,000 output tokens, $0.01, 1 s latency. */
    LlmCall.Builder call(String task, Instant time) {
        return LlmCall.newBuilder().setCallId("call-" + (++seq)).setTimestamp(time).setProvider("anthropic")
                .setModel("claude-sonnet-4-5").setTask(task).setTeam("platform").setFeature("pr-bot").setPromptVersion("v1")
                .setInputTokens(10_000).setOutputTokens(1_000).setCostUsd(new BigDecimal("0.010000000"))
                .setLatencyMs(1_000).setRetryCount(0).setToolCalls(1);
    }

    void send(LlmCall call) {
        wallClockAtLeast(call.getTimestamp());
        calls.pipeInput(call.getCallId(), call, call.getTimestamp());
        tick();
    }

    void sendOutcome(String callId, Outcome outcome, Instant at) {
        wallClockAtLeast(at);
        outcomes.pipeInput(callId, outcome(callId, outcome, at), at);
        tick();
    }

    private static CallOutcome outcome(String callId, Outcome outcome, Instant at) {
        return CallOutcome.newBuilder().setCallId(callId).setOutcome(outcome).setDecidedAt(at).setDecidedBy("reviewer").build();
    }

    /** Sets (or changes) a budget, as `tokenwatch budget set` does. */
    void setBudget(Budget budget) {
        budgets.pipeInput(BudgetCalendar.budgetKey(budget.getDimension(), budget.getGroup(), budget.getPeriod()), budget);
    }

    void deleteBudget(String key) {
        budgets.pipeInput(key, null);
    }

    void sendRawCall(String key, byte[] value, Instant at) {
        wallClockAtLeast(at);
        rawCalls.pipeInput(key, value, at);
        tick();
    }

    private void wallClockAtLeast(Instant eventTime) {
        if (eventTime.isAfter(wallClock)) {
            driver.advanceWallClockTime(Duration.between(wallClock, eventTime));
            wallClock = eventTime;
        }
    }

    /**
     * One marker interval of wall clock: both inputs count as idle (they are always caught up here), so
     * the join's punctuator moves each input's watermark up to the other's and sends its progress downstream.
     */
    void tick() {
        Duration step = PipelineSettings.of(config).watermarkInterval;
        driver.advanceWallClockTime(step);
        wallClock = wallClock.plus(step);
    }

    /** The driver's wall clock now. */
    Instant wallClock() {
        return wallClock;
    }

    /**
     * Steady history for {@code task}: {@code perHour} calls in every hour of [from, to), shaped by
     * {@code shape} (e.g. to set tokens), each with the outcome {@code outcomeFor} picks (null: none).
     */
    void history(String task, Instant from, Instant to, int perHour, Consumer<LlmCall.Builder> shape,
                 java.util.function.IntFunction<Outcome> outcomeFor) {
        int n = 0;
        for (long hour = from.toEpochMilli(); hour < to.toEpochMilli(); hour += HOUR) {
            // An hour at a time, as a busy partition delivers it: the clock moves to the hour's end while its
            // records are still unread (not caught up), then they are read, then one tick.
            caughtUp = false;
            wallClockAtLeast(Instant.ofEpochMilli(hour + HOUR));
            caughtUp = true;
            for (int i = 0; i < perHour; i++) {
                Instant t = Instant.ofEpochMilli(hour + (i * HOUR) / perHour);
                LlmCall.Builder b = call(task, t);
                shape.accept(b);
                LlmCall c = b.build();
                calls.pipeInput(c.getCallId(), c, c.getTimestamp());
                Outcome outcome = outcomeFor == null ? null : outcomeFor.apply(n++);
                if (outcome != null) {
                    outcomes.pipeInput(c.getCallId(), outcome(c.getCallId(), outcome, t.plusSeconds(30)), t.plusSeconds(30));
                }
            }
            tick();
        }
    }

    List<AnomalyAlert> alerts() {
        List<AnomalyAlert> out = new ArrayList<>();
        alerts.readValuesToList().forEach(out::add);
        return out;
    }

    List<TestRecord<byte[], byte[]>> deadLetters() {
        return dlq.readRecordsToList();
    }

    static String header(TestRecord<byte[], byte[]> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        driver.close();
        MockSchemaRegistry.dropScope(scope);
    }
}
