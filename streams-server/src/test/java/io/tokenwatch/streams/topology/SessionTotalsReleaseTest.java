package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.OutcomeState;
import io.tokenwatch.events.v1.SessionSummary;
import io.tokenwatch.serde.AvroBinary;
import io.tokenwatch.streams.ordering.OrderedDelta;
import io.tokenwatch.streams.ordering.ProgressMarker;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.IntSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sessions are read once and written once per release: whatever the release boundaries, the same
 * released sequence gives the same latest summary (or tombstone) of every session and the same store.
 */
class SessionTotalsReleaseTest {
    private static final Instant START = Instant.parse("2026-11-01T00:00:00Z");
    private static final Duration GAP = Duration.ofMinutes(30);

    private record Outcome(Map<String, SessionSummary> lastSummaries, Map<String, SessionSummary> stored) {
    }

    @Test
    void releaseBoundariesChangeNeitherSummariesNorTheStore() {
        List<OrderedDelta> sequence = agentsAtWork(new Random(7));
        Outcome live = run(sequence, () -> 1);
        assertThat(live.lastSummaries().values()).as("some sessions merged away").containsNull();
        assertThat(live.stored()).hasSizeGreaterThan(100);
        for (long seed = 1; seed <= 3; seed++) {
            Random sizes = new Random(seed);
            Outcome batched = run(sequence, () -> 1 + sizes.nextInt(500));
            assertThat(batched.lastSummaries()).as("latest summary of every session, seed " + seed).isEqualTo(live.lastSummaries());
            assertThat(batched.stored()).as("the session store, seed " + seed).isEqualTo(live.stored());
        }
        assertThat(run(sequence, () -> Integer.MAX_VALUE).stored()).as("one release").isEqualTo(live.stored());
    }

    /** Three days of 40 agents whose calls come in bursts with pauses around the gap, some calls decided later, some handed on late. */
    private static List<OrderedDelta> agentsAtWork(Random random) {
        List<OrderedDelta> deltas = new ArrayList<>();
        int seq = 0;
        for (int agent = 0; agent < 40; agent++) {
            Instant at = START.plusSeconds(random.nextInt(3_600));
            while (at.isBefore(START.plus(Duration.ofDays(3)))) {
                LlmCall call = LlmCall.newBuilder().setCallId("call-" + (++seq)).setTimestamp(at).setProvider("anthropic").setModel("claude-sonnet-4-5")
                        .setTask("agentic-coding").setAgent("agent-" + agent).setSessionId("session-" + agent).setInputTokens(5_000 + random.nextInt(5_000))
                        .setOutputTokens(500).setCostUsd(new BigDecimal("0.004000000")).setLatencyMs(1_500).setRetryCount(0).setToolCalls(2).build();
                // Now and then a call handed on late (its task was idle and resumed): it can fall between two sessions and merge them.
                long handedOn = random.nextInt(15) == 0 ? at.plusSeconds(20 * 60 + random.nextInt(3_600)).toEpochMilli() : at.toEpochMilli();
                deltas.add(OrderedDelta.of(CallDelta.newCall(call), handedOn));
                if (random.nextInt(3) == 0) {
                    long decided = at.plusSeconds(60 + random.nextInt(7_200)).toEpochMilli();
                    deltas.add(OrderedDelta.of(CallDelta.outcomeChange(call, null, random.nextBoolean() ? OutcomeState.ACCEPTED : OutcomeState.REJECTED), decided));
                }
                // Mostly a minute or two, sometimes just under or over the gap, sometimes hours.
                int pause = switch (random.nextInt(10)) {
                    case 0 -> 25 * 60 + random.nextInt(10 * 60);
                    case 1 -> 2 * 3_600 + random.nextInt(6 * 3_600);
                    default -> 30 + random.nextInt(150);
                };
                at = at.plusSeconds(pause);
            }
        }
        deltas.sort(Comparator.comparingLong(OrderedDelta::orderTime).thenComparing(d -> d.delta().callId()));
        return deltas;
    }

    private static Outcome run(List<OrderedDelta> sequence, IntSupplier releaseSizes) {
        MockProcessorContext<String, SessionSummary> context = new MockProcessorContext<>();
        SessionStore<String, SessionSummary> store = Stores.sessionStoreBuilder(Stores.inMemorySessionStore(SessionTotals.STORE, Duration.ofDays(9)),
                Serdes.String(), new AvroBinary<>(SessionSummary.class).serde()).withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        SessionTotals totals = new SessionTotals(GAP.toMillis());
        totals.init(context);
        int left = releaseSizes.getAsInt();
        for (OrderedDelta delta : sequence) {
            totals.process(new Record<>(delta.delta().attribute(CallDelta.Attribute.SESSION), delta, delta.delta().timestamp()));
            if (--left == 0) {
                release(totals, delta.orderTime());
                left = releaseSizes.getAsInt();
            }
        }
        release(totals, sequence.get(sequence.size() - 1).orderTime());
        Map<String, SessionSummary> last = new HashMap<>();
        context.forwarded().forEach(f -> last.put(f.record().key(), f.record().value()));
        Map<String, SessionSummary> stored = new TreeMap<>();
        for (int agent = 0; agent < 40; agent++) {
            try (KeyValueIterator<Windowed<String>, SessionSummary> all = store.findSessions("session-" + agent, 0, Long.MAX_VALUE)) {
                all.forEachRemaining(e -> stored.put(e.key.key() + "|" + e.key.window().start() + "|" + e.key.window().end(), e.value));
            }
        }
        return new Outcome(new TreeMap<>(last), stored);
    }

    private static void release(SessionTotals totals, long watermark) {
        totals.process(new Record<>("", OrderedDelta.released(new ProgressMarker(ProgressMarker.RELEASED, 1, watermark, false)), watermark));
    }
}
