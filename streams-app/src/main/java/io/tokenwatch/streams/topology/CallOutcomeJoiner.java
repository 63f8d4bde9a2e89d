package io.tokenwatch.streams.topology;

import io.tokenwatch.serde.AvroBinary;

import io.tokenwatch.events.v1.CallOutcome;
import io.tokenwatch.events.v1.JoinedCall;
import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.OutcomeState;
import io.tokenwatch.events.v1.SpendType;
import io.tokenwatch.streams.errors.DeadLetterReason;
import io.tokenwatch.streams.errors.RejectedRecordException;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Joins each call with its outcome within the outcome window, in either arrival order. Emits a
 * joined call when an outcome arrives (again when a later one replaces it) and with outcome NONE when
 * the window closes without one, plus the statistics delta of each change. Rejects duplicates, calls
 * later than the window grace, and outcomes after their call's window closed.
 *
 * <p>Deadlines are indexed by time in their own store, so closing windows costs a range scan of what
 * is due, not a scan of every pending call. A wall-clock punctuator extrapolates stream time on quiet
 * partitions, so abandoned calls are reported even when no new records arrive.
 */
public final class CallOutcomeJoiner implements Processor<String, JoinInput, String, JoinOutput> {
    public static final String PENDING_CALLS = "calls-awaiting-outcome";
    public static final String EARLY_OUTCOMES = "outcomes-awaiting-call";
    public static final String DEADLINES = "join-deadlines";

    private static final Logger LOG = LoggerFactory.getLogger(CallOutcomeJoiner.class);
    private static final byte KIND_CALL = 'C';
    private static final byte KIND_OUTCOME = 'O';
    private static final AvroBinary<LlmCall> CALL_CODEC = new AvroBinary<>(LlmCall.class);
    private static final AvroBinary<CallOutcome> OUTCOME_CODEC = new AvroBinary<>(CallOutcome.class);

    private final long windowMs;
    private final long windowGraceMs;
    private final long outcomeWindowMs;
    private final long outcomeGraceMs;

    private ProcessorContext<String, JoinOutput> context;
    private KeyValueStore<String, byte[]> pendingCalls;
    private KeyValueStore<String, byte[]> earlyOutcomes;
    private KeyValueStore<Bytes, byte[]> deadlines;
    private long observedStreamTime = Long.MIN_VALUE;
    private long wallClockAtObservation;
    /** Latest call time seen: lateness is judged against calls, since outcomes may be read far ahead of them. */
    private long latestCallTime = Long.MIN_VALUE;
    /**
     * Deadlines before this were all handled. Scans start here: in RocksDB a scan from the beginning
     * would step over the tombstone of every deadline already deleted, growing without bound.
     */
    private long scannedUpTo = Long.MIN_VALUE;

    public CallOutcomeJoiner(Duration window, Duration windowGrace, Duration outcomeWindow, Duration outcomeGrace) {
        this.windowMs = window.toMillis();
        this.windowGraceMs = windowGrace.toMillis();
        this.outcomeWindowMs = outcomeWindow.toMillis();
        this.outcomeGraceMs = outcomeGrace.toMillis();
    }

    @Override
    public void init(ProcessorContext<String, JoinOutput> context) {
        this.context = context;
        this.pendingCalls = context.getStateStore(PENDING_CALLS);
        this.earlyOutcomes = context.getStateStore(EARLY_OUTCOMES);
        this.deadlines = context.getStateStore(DEADLINES);
        context.schedule(Duration.ofMinutes(1), PunctuationType.STREAM_TIME, this::closeDueWindows);
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, wallNow -> {
            if (observedStreamTime != Long.MIN_VALUE) {
                closeDueWindows(observedStreamTime + Math.max(0, wallNow - wallClockAtObservation));
            }
        });
    }

    @Override
    public void process(Record<String, JoinInput> record) {
        long streamTime = context.currentStreamTimeMs();
        if (streamTime != observedStreamTime) {
            observedStreamTime = streamTime;
            wallClockAtObservation = context.currentSystemTimeMs();
        }
        if (record.value().call() != null) {
            onCall(record.key(), record.value().call(), streamTime);
        } else {
            onOutcome(record.value().outcome(), streamTime);
        }
    }

    private void onCall(String key, LlmCall call, long streamTime) {
        List<String> problems = CallValidation.problems(key, call);
        if (!problems.isEmpty()) {
            throw new RejectedRecordException(DeadLetterReason.INVALID, "Impossible values in call " + call.getCallId() + ": " + String.join("; ", problems));
        }
        long ts = call.getTimestamp().toEpochMilli();
        long windowEnd = Math.floorDiv(ts, windowMs) * windowMs + windowMs;
        if (windowEnd + windowGraceMs <= latestCallTime) {
            throw new RejectedRecordException(DeadLetterReason.LATE, "Call " + call.getCallId() + " at " + call.getTimestamp()
                    + " is later than its window's end plus grace (" + Duration.ofMillis(windowGraceMs) + "); latest call at "
                    + Instant.ofEpochMilli(latestCallTime));
        }
        String callId = call.getCallId();
        byte[] known = pendingCalls.get(callId);
        if (known != null) {
            throw new RejectedRecordException(DeadLetterReason.DUPLICATE, "Duplicate call_id " + callId + ": already counted (first at "
                    + PendingCall.decode(known).call.getTimestamp() + ")");
        }
        CallDelta delta = CallDelta.newCall(call);
        JoinedCall joined = null;
        OutcomeState state = null;
        byte[] early = earlyOutcomes.get(callId);
        if (early != null) {
            EarlyOutcome outcome = EarlyOutcome.decode(early);
            earlyOutcomes.delete(callId);
            deadlines.delete(deadlineKey(outcome.deadline, KIND_OUTCOME, callId));
            state = stateOf(outcome.outcome);
            delta.sums().addAll(CallDelta.outcomeSums(state, CallDelta.costNanos(call)), 1);
            joined = joined(call, state, outcome.outcome, streamTime);
        }
        latestCallTime = Math.max(latestCallTime, ts);
        long deadline = ts + outcomeWindowMs + outcomeGraceMs;
        pendingCalls.put(callId, new PendingCall(PendingCall.OPEN, state, deadline, call).encode());
        addDeadline(deadline, KIND_CALL, callId);
        context.forward(new Record<>(callId, new JoinOutput(joined, delta), ts));
    }

    private void onOutcome(CallOutcome outcome, long streamTime) {
        List<String> problems = CallValidation.problems(outcome.getCallId(), outcome);
        if (!problems.isEmpty()) {
            throw new RejectedRecordException(DeadLetterReason.INVALID, "Impossible values in outcome: " + String.join("; ", problems));
        }
        String callId = outcome.getCallId();
        byte[] known = pendingCalls.get(callId);
        if (known == null) {
            byte[] previous = earlyOutcomes.get(callId);
            if (previous != null) {
                deadlines.delete(deadlineKey(EarlyOutcome.decode(previous).deadline, KIND_OUTCOME, callId));
            }
            long deadline = streamTime + outcomeWindowMs + outcomeGraceMs;
            earlyOutcomes.put(callId, new EarlyOutcome(deadline, outcome).encode());
            addDeadline(deadline, KIND_OUTCOME, callId);
            return;
        }
        PendingCall pending = PendingCall.decode(known);
        if (pending.status == PendingCall.CLOSED) {
            throw new RejectedRecordException(DeadLetterReason.LATE, "Outcome for call " + callId + " arrived after the call's outcome window ("
                    + Duration.ofMillis(outcomeWindowMs) + ") closed");
        }
        OutcomeState after = stateOf(outcome);
        pendingCalls.put(callId, new PendingCall(PendingCall.OPEN, after, pending.deadline, pending.call).encode());
        CallDelta delta = pending.outcome == after ? null : CallDelta.outcomeChange(pending.call, pending.outcome, after);
        context.forward(new Record<>(callId, new JoinOutput(joined(pending.call, after, outcome, streamTime), delta),
                pending.call.getTimestamp().toEpochMilli()));
    }

    /** Emits NONE for calls whose outcome window closed, and forgets what is no longer needed. */
    private void closeDueWindows(long now) {
        if (now < scannedUpTo) {
            return;
        }
        List<KeyValue<Bytes, byte[]>> due = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = deadlines.range(deadlineKey(scannedUpTo, (byte) 0, ""), deadlineKey(now, (byte) 0xFF, ""))) {
            while (it.hasNext()) {
                due.add(it.next());
            }
        }
        for (KeyValue<Bytes, byte[]> entry : due) {
            deadlines.delete(entry.key);
            ByteBuffer key = ByteBuffer.wrap(entry.key.get());
            long deadline = key.getLong() ^ Long.MIN_VALUE;
            byte kind = key.get();
            String callId = new String(entry.key.get(), 9, entry.key.get().length - 9, StandardCharsets.UTF_8);
            if (kind == KIND_CALL) {
                closeCallWindow(callId, deadline);
            } else {
                earlyOutcomes.delete(callId);
                LOG.debug("Outcome for call {} never met its call within the outcome window: dropped", callId);
            }
        }
        scannedUpTo = now;
    }

    private void closeCallWindow(String callId, long deadline) {
        byte[] bytes = pendingCalls.get(callId);
        if (bytes == null) {
            return;
        }
        PendingCall pending = PendingCall.decode(bytes);
        if (pending.status == PendingCall.CLOSED) {
            pendingCalls.delete(callId);
            return;
        }
        if (pending.outcome == null) {
            long ts = pending.call.getTimestamp().toEpochMilli();
            JoinedCall abandoned = joined(pending.call, OutcomeState.NONE, null, deadline);
            context.forward(new Record<>(callId, new JoinOutput(abandoned, CallDelta.outcomeChange(pending.call, null, OutcomeState.NONE)), ts));
        }
        // Keep the id a further outcome window, so a duplicate of the call is still recognised.
        long forgetAt = deadline + outcomeWindowMs;
        pendingCalls.put(callId, new PendingCall(PendingCall.CLOSED, pending.outcome, forgetAt, pending.call).encode());
        addDeadline(forgetAt, KIND_CALL, callId);
    }

    private void addDeadline(long deadline, byte kind, String callId) {
        deadlines.put(deadlineKey(deadline, kind, callId), new byte[0]);
        scannedUpTo = Math.min(scannedUpTo, deadline);
    }

    private static JoinedCall joined(LlmCall call, OutcomeState state, CallOutcome outcome, long now) {
        return JoinedCall.newBuilder().setCallId(call.getCallId()).setCall(call).setOutcomeState(state)
                .setSpendType(spendType(state)).setOutcome(outcome).setJoinedAt(Instant.ofEpochMilli(now)).build();
    }

    static SpendType spendType(OutcomeState state) {
        return switch (state) {
            case ACCEPTED, EDITED, REWORKED -> SpendType.PRODUCTIVE;
            case REJECTED, ESCALATED, REVERTED -> SpendType.REJECTED;
            case NONE -> SpendType.ABANDONED;
            default -> SpendType.UNDECIDED;
        };
    }

    private static OutcomeState stateOf(CallOutcome outcome) {
        return OutcomeState.valueOf(outcome.getOutcome().name());
    }

    /** Deadline (sign-flipped so byte order is time order), kind, call id. */
    private static Bytes deadlineKey(long deadline, byte kind, String callId) {
        byte[] id = callId.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(9 + id.length).putLong(deadline ^ Long.MIN_VALUE).put(kind).put(id).array());
    }

    /** A call the join still remembers: waiting for (or holding) its outcome, or closed and kept for dedupe. */
    private record PendingCall(byte status, OutcomeState outcome, long deadline, LlmCall call) {
        static final byte OPEN = 0;
        static final byte CLOSED = 1;

        byte[] encode() {
            byte[] callBytes = CALL_CODEC.encode(call);
            return ByteBuffer.allocate(10 + callBytes.length).put(status).put((byte) (outcome == null ? -1 : outcome.ordinal()))
                    .putLong(deadline).put(callBytes).array();
        }

        static PendingCall decode(byte[] bytes) {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            byte status = in.get();
            byte outcome = in.get();
            long deadline = in.getLong();
            byte[] callBytes = new byte[in.remaining()];
            in.get(callBytes);
            return new PendingCall(status, outcome < 0 ? null : OutcomeState.values()[outcome], deadline, CALL_CODEC.decode(callBytes));
        }
    }

    private record EarlyOutcome(long deadline, CallOutcome outcome) {
        byte[] encode() {
            byte[] outcomeBytes = OUTCOME_CODEC.encode(outcome);
            return ByteBuffer.allocate(8 + outcomeBytes.length).putLong(deadline).put(outcomeBytes).array();
        }

        static EarlyOutcome decode(byte[] bytes) {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            long deadline = in.getLong();
            byte[] outcomeBytes = new byte[in.remaining()];
            in.get(outcomeBytes);
            return new EarlyOutcome(deadline, OUTCOME_CODEC.decode(outcomeBytes));
        }
    }
}
