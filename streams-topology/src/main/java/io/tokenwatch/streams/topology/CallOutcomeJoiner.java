package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.CallOutcome;
import io.tokenwatch.events.v1.JoinedCall;
import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.events.v1.OutcomeState;
import io.tokenwatch.events.v1.SpendType;
import io.tokenwatch.schemas.CallBounds;
import io.tokenwatch.serde.AvroBinary;
import io.tokenwatch.streams.errors.DeadLetterCounts;
import io.tokenwatch.streams.errors.DeadLetterHandler;
import io.tokenwatch.streams.errors.DeadLetterReason;
import io.tokenwatch.streams.errors.RejectedRecordException;
import io.tokenwatch.streams.ordering.InputLag;
import io.tokenwatch.streams.ordering.ProgressMarker;
import io.tokenwatch.streams.stats.StateFormat;
import io.tokenwatch.streams.topology.CallDelta.Attribute;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Joins each call with its outcome within the outcome window, in either arrival order. Emits a
 * joined call when an outcome arrives (again when a later one replaces it) and with outcome NONE when
 * the window closes without one, plus the statistics delta of each change. Rejects duplicates, calls
 * later than the window grace, outcomes after their call's window closed, events from the future,
 * and outcomes that never meet their call.
 *
 * <p>Event time decides, whatever order the two inputs are read in. Each input has its own
 * watermark (the latest event time read from it, in the {@value #PROGRESS} store): a call's window
 * closes only when the <em>outcomes</em> input has been read past the call's deadline, and an early
 * outcome is given up only when the <em>calls</em> input has been read past its deadline. An input
 * that is idle (read to the broker's end, its last stable offset as {@link InputLag} tells, and nothing
 * of it processed for a while) moves up to the other's watermark,
 * and when both are idle, on at the wall clock's rate: windows still close on a quiet partition in
 * live operation; during a catch-up they never close early. Lateness of a call is judged by the calls read
 * alone, as in-order processing of that partition would judge it.
 *
 * <p>Every delta has a place in event-time order (the input's watermark when it was read; a window's
 * deadline for NONE). The deltas of each group and session are batched ({@link DeltaBatcher}) and
 * forwarded, each batch with its latest place as record timestamp, just before the {@link ProgressMarker} with
 * min(calls watermark, outcomes watermark) that goes downstream every {@code tokenwatch.watermark.interval}:
 * no later delta of this task is ordered before it.
 *
 * <p>Deadlines are indexed by time in their own store, so closing windows costs a range scan of what
 * is due. All bookkeeping is in stores: after a dirty close Kafka Streams may call {@link #init} again
 * on this instance over stores restored to the last commit, and the fields here are only caches of
 * the wall clock and of the progress store (refilled from it after {@link #init}).
 */
public final class CallOutcomeJoiner implements Processor<String, JoinInput, String, JoinOutput> {
    public static final String PENDING_CALLS = "calls-awaiting-outcome";
    public static final String EARLY_OUTCOMES = "outcomes-awaiting-call";
    public static final String DEADLINES = "join-deadlines";
    public static final String PROGRESS = "join-progress";

    private static final String CALLS = "calls";
    /** Latest call time read from records only: lateness is judged by it, never by the wall clock. */
    private static final String CALLS_READ = "calls-read";
    private static final String OUTCOMES = "outcomes";
    /**
     * Deadlines of calls, one entry per call: its window closes when the outcomes input passes it, and
     * the call is forgotten an outcome window later (kept that long so a duplicate is still recognised).
     */
    private static final byte CALL_DEADLINE = 'C';
    /** Every call with a deadline up to this mark is closed: NONE was sent for it unless it had an outcome. */
    private static final String CALLS_CLOSED = "call-deadlines-scanned";
    /** Every call with a deadline up to this mark is forgotten. */
    private static final String CALLS_FORGOTTEN = "call-ids-forgotten";
    /** Deadlines of early outcomes, due when the calls input passes them. */
    private static final byte OUTCOME_DEADLINE = 'O';
    private static final String OUTCOMES_EXPIRED = "outcome-deadlines-scanned";
    private static final AvroBinary<LlmCall> CALL_CODEC = new AvroBinary<>(LlmCall.class);
    private static final AvroBinary<CallOutcome> OUTCOME_CODEC = new AvroBinary<>(CallOutcome.class);

    private final long windowMs;
    private final long windowGraceMs;
    private final long outcomeWindowMs;
    private final long outcomeGraceMs;
    private final long maxFutureMs;
    private final CallBounds bounds;
    private final long idleMs;
    private final int quietTicks;
    private final Duration markerInterval;
    private final int upstreams;
    private final String callsTopic;
    private final String outcomesTopic;
    private final String dlqTopic;
    private final InputLag lag;
    private final DeadLetterCounts deadLetters;
    private final DeltaBatcher batcher;
    private final DeltaBatcher.Sink toNextStage;

    private ProcessorContext<String, JoinOutput> context;
    private KeyValueStore<String, byte[]> pendingCalls;
    private KeyValueStore<String, byte[]> earlyOutcomes;
    private KeyValueStore<Bytes, byte[]> deadlines;
    private KeyValueStore<String, Long> progress;
    /** Copy of the marks read from or written to {@link #progress}, read several times per record; emptied by {@link #init}. */
    private final Map<String, Long> marks = new HashMap<>();
    // Caches only (reset by init): marker ticks since each input last delivered a record, when the last
    // record came (wall clock) and how far event time had got then, the last marker sent.
    private int callsQuietTicks;
    private int outcomesQuietTicks;
    private long lastRecordWall;
    private long lastRecordEventTime;
    /** The offset after the last record processed from each input since init (-1: none yet). */
    private long nextCallOffset;
    private long nextOutcomeOffset;
    private ProgressMarker lastMarker;

    /** The joiner with its stores: calls waiting, early outcomes, deadlines, progress marks, and the deltas waiting for the next marker. */
    public static StoreOwningSupplier<String, JoinInput, String, JoinOutput> supplier(TopologySettings settings, int upstreams, InputLag lag,
                                                                                 DeadLetterCounts deadLetters) {
        return StoreOwningSupplier.of(() -> new CallOutcomeJoiner(settings, upstreams, lag, deadLetters),
                StoreOwningSupplier.cachedKeyValueStore(PENDING_CALLS, Serdes.String(), Serdes.ByteArray()),
                StoreOwningSupplier.cachedKeyValueStore(EARLY_OUTCOMES, Serdes.String(), Serdes.ByteArray()),
                StoreOwningSupplier.cachedKeyValueStore(DEADLINES, Serdes.Bytes(), Serdes.ByteArray()),
                StoreOwningSupplier.cachedKeyValueStore(PROGRESS, Serdes.String(), Serdes.Long()),
                DeltaBatcher.waitingStore());
    }

    public CallOutcomeJoiner(TopologySettings settings, int upstreams, InputLag lag, DeadLetterCounts deadLetters) {
        this.deadLetters = deadLetters;
        this.windowMs = settings.window().toMillis();
        this.windowGraceMs = settings.windowGrace().toMillis();
        this.outcomeWindowMs = settings.outcomeWindow().toMillis();
        this.outcomeGraceMs = settings.outcomeGrace().toMillis();
        this.maxFutureMs = settings.maxFuture().toMillis();
        this.bounds = settings.callBounds();
        this.idleMs = settings.watermarkIdle().toMillis();
        this.markerInterval = settings.watermarkInterval();
        this.quietTicks = (int) Math.max(1, Math.ceil((double) idleMs / markerInterval.toMillis()));
        this.upstreams = upstreams;
        this.callsTopic = settings.topicNames().calls();
        this.outcomesTopic = settings.topicNames().outcomes();
        this.dlqTopic = settings.topicNames().deadLetters();
        this.lag = lag;
        this.batcher = new DeltaBatcher(settings.dimensions().stream().map(Attribute::ofDimension).toList());
        this.toNextStage = (stage, key, batch) -> context.forward(new Record<>(key, JoinOutput.of(stage, batch), batch.maxOrderTime()));
    }

    @Override
    public void init(ProcessorContext<String, JoinOutput> context) {
        this.context = context;
        this.pendingCalls = context.getStateStore(PENDING_CALLS);
        this.earlyOutcomes = context.getStateStore(EARLY_OUTCOMES);
        this.deadlines = context.getStateStore(DEADLINES);
        this.progress = context.getStateStore(PROGRESS);
        marks.clear();
        batcher.init(context.getStateStore(DeltaBatcher.WAITING));
        callsQuietTicks = 0;
        outcomesQuietTicks = 0;
        nextCallOffset = -1;
        nextOutcomeOffset = -1;
        lastRecordWall = context.currentSystemTimeMs();
        lastRecordEventTime = Math.max(watermark(CALLS), watermark(OUTCOMES));
        lastMarker = null;
        context.schedule(markerInterval, PunctuationType.WALL_CLOCK_TIME, this::onTick);
    }

    @Override
    public void process(Record<String, JoinInput> record) {
        long wall = context.currentSystemTimeMs();
        if (lastMarker == null || lastMarker.idle()) {
            // Busy again: say so before any delta, so no task downstream takes this one's deltas for an idle task's.
            sendMarker(false);
        }
        JoinInput input = record.value();
        long next = context.recordMetadata().map(m -> m.offset() + 1).orElse(-1L);
        if (input.call() != null) {
            callsQuietTicks = 0;
            nextCallOffset = next;
            onCall(record.key(), input.call(), wall);
        } else {
            outcomesQuietTicks = 0;
            nextOutcomeOffset = next;
            onOutcome(record.key(), input.outcome(), input.original(), wall);
        }
        lastRecordWall = wall;
        lastRecordEventTime = Math.max(watermark(CALLS), watermark(OUTCOMES));
    }

    private void onCall(String key, LlmCall call, long wall) {
        CallValidation.check(key, call, bounds);
        long ts = call.getTimestamp().toEpochMilli();
        rejectFuture("Call " + call.getCallId(), ts, wall);
        long callsRead = watermark(CALLS_READ);
        long windowEnd = Math.floorDiv(ts, windowMs) * windowMs + windowMs;
        if (windowEnd + windowGraceMs <= callsRead) {
            throw new RejectedRecordException(DeadLetterReason.LATE, "Call " + call.getCallId() + " at " + call.getTimestamp()
                    + " is later than its window's end plus grace (" + Duration.ofMillis(windowGraceMs) + "); calls read up to "
                    + Instant.ofEpochMilli(callsRead));
        }
        String callId = call.getCallId();
        byte[] known = pendingCalls.get(callId);
        if (known != null) {
            throw new RejectedRecordException(DeadLetterReason.DUPLICATE, "Duplicate call_id " + callId + ": already counted (first at "
                    + PendingCall.decode(known).call.getTimestamp() + ")");
        }
        advance(CALLS_READ, ts);
        long order = advance(CALLS, ts);
        CallDelta delta = CallDelta.newCall(call);
        JoinedCall joined = null;
        OutcomeState state = null;
        byte[] early = earlyOutcomes.get(callId);
        if (early != null) {
            EarlyOutcome outcome = EarlyOutcome.decode(early);
            earlyOutcomes.delete(callId);
            deadlines.delete(deadlineKey(OUTCOME_DEADLINE, outcome.deadline, callId));
            state = stateOf(outcome.outcome);
            delta.sums().addAll(CallDelta.outcomeSums(state, CallDelta.costNanos(call)), 1);
            joined = joined(call, state, outcome.outcome, order);
        }
        if (joined != null) {
            context.forward(new Record<>(callId, JoinOutput.of(joined), order));
        }
        batcher.add(delta, order);
        long deadline = ts + outcomeWindowMs + outcomeGraceMs;
        if (deadline <= mark(CALLS_CLOSED) && state == null) {
            abandon(callId, call, deadline); // the outcomes input is already past its window (read far ahead in a catch-up)
        }
        if (deadline > mark(CALLS_FORGOTTEN)) {
            pendingCalls.put(callId, new PendingCall(state, deadline, call).encode());
            deadlines.put(deadlineKey(CALL_DEADLINE, deadline, callId), new byte[0]);
        }
    }

    private void onOutcome(String key, CallOutcome outcome, byte[] original, long wall) {
        CallValidation.check(outcome.getCallId(), outcome, bounds);
        String callId = outcome.getCallId();
        if (key == null || !key.equals(callId)) {
            throw new RejectedRecordException(DeadLetterReason.KEY_MISMATCH, "Outcome record key '" + key + "' is not its call_id '" + callId
                    + "': it would be joined on the wrong partition");
        }
        long decided = outcome.getDecidedAt().toEpochMilli();
        rejectFuture("Outcome for call " + callId, decided, wall);
        long order = advance(OUTCOMES, decided);
        byte[] known = pendingCalls.get(callId);
        if (known == null) {
            byte[] previous = earlyOutcomes.get(callId);
            if (previous != null) {
                deadlines.delete(deadlineKey(OUTCOME_DEADLINE, EarlyOutcome.decode(previous).deadline, callId));
            }
            long deadline = decided + outcomeWindowMs + outcomeGraceMs;
            long offset = context.recordMetadata().map(m -> m.offset()).orElse(-1L);
            earlyOutcomes.put(callId, new EarlyOutcome(deadline, offset, outcome, original).encode());
            deadlines.put(deadlineKey(OUTCOME_DEADLINE, deadline, callId), new byte[0]);
            if (deadline <= mark(OUTCOMES_EXPIRED)) {
                setMark(OUTCOMES_EXPIRED, deadline - 1);
            }
            return;
        }
        PendingCall pending = PendingCall.decode(known);
        if (pending.deadline <= order) {
            closeDueCalls(order); // its window closed by this outcome's time: NONE goes first, as in order
            throw new RejectedRecordException(DeadLetterReason.LATE, "Outcome for call " + callId + " decided at " + outcome.getDecidedAt()
                    + " arrived after the call's outcome window (" + Duration.ofMillis(outcomeWindowMs) + " + grace) closed");
        }
        OutcomeState after = stateOf(outcome);
        pendingCalls.put(callId, PendingCall.withOutcome(known, after));
        context.forward(new Record<>(callId, JoinOutput.of(joined(pending.call, after, outcome, order)), order));
        if (pending.outcome != after) {
            batcher.add(CallDelta.outcomeChange(pending.call, pending.outcome, after), order);
        }
    }

    /**
     * Every marker interval: moves the watermark of an idle input (read to the broker's end, and no record of it
     * processed for {@code tokenwatch.watermark.idle}), closes what is due, and tells downstream how far
     * this task has got. Kafka Streams processes a task's buffered records in timestamp order, so an
     * idle input can hold nothing older than what the other input has delivered: its watermark may move
     * up to the other's. When both are idle the task is idle: event time goes on at the wall clock's
     * rate from the last record (so a quiet partition still closes outcome windows, about
     * {@code idle} late), never jumping to the wall clock itself (a slow backfill writes old event
     * times), and downstream stops waiting for it. Quiet is counted in ticks, not wall time, so a
     * stalled stream thread (a long GC, a registry outage) never makes buffered records look absent.
     */
    private void onTick(long wall) {
        int partition = context.taskId().partition();
        boolean callsIdle = ++callsQuietTicks >= quietTicks && lag.caughtUp(callsTopic, partition, nextCallOffset);
        boolean outcomesIdle = ++outcomesQuietTicks >= quietTicks && lag.caughtUp(outcomesTopic, partition, nextOutcomeOffset);
        long callsMark = watermark(CALLS);
        long outcomesMark = watermark(OUTCOMES);
        if (callsIdle && outcomesIdle) {
            if (lastRecordEventTime != Long.MIN_VALUE) {
                long extrapolated = lastRecordEventTime + (wall - lastRecordWall) - idleMs;
                advance(CALLS, Math.max(outcomesMark, extrapolated));
                advance(OUTCOMES, Math.max(callsMark, extrapolated));
            }
        } else if (callsIdle) {
            advance(CALLS, outcomesMark);
        } else if (outcomesIdle) {
            advance(OUTCOMES, callsMark);
        }
        closeDueCalls(watermark(OUTCOMES));
        expireEarlyOutcomes(watermark(CALLS));
        boolean idle = callsIdle && outcomesIdle;
        long watermark = Math.min(watermark(CALLS), watermark(OUTCOMES));
        if (lastMarker == null || lastMarker.idle() != idle || lastMarker.watermark() != watermark) {
            sendMarker(idle);
        } else {
            batcher.flush(toNextStage);
        }
    }

    /**
     * Tells every task downstream how far this one has got: min(calls, outcomes) watermark, and whether
     * it is idle. The open batches go first: the marker promises that nothing ordered before it follows.
     */
    private void sendMarker(boolean idle) {
        batcher.flush(toNextStage);
        lastMarker = new ProgressMarker(context.taskId().partition(), upstreams, Math.min(watermark(CALLS), watermark(OUTCOMES)), idle);
        context.forward(new Record<>("", JoinOutput.of(lastMarker), Math.max(0, lastMarker.watermark())));
    }

    private void rejectFuture(String what, long eventTime, long wall) {
        if (eventTime > wall + maxFutureMs) {
            throw new RejectedRecordException(DeadLetterReason.FUTURE, what + " is dated " + Instant.ofEpochMilli(eventTime)
                    + ", more than " + Duration.ofMillis(maxFutureMs) + " ahead of this host's clock (" + Instant.ofEpochMilli(wall) + ")");
        }
    }

    /** Emits NONE for calls whose outcome window closed (the outcomes input passed their deadline), and forgets old ones. */
    private void closeDueCalls(long outcomesRead) {
        if (outcomesRead == Long.MIN_VALUE) {
            return;
        }
        for (KeyValue<Bytes, byte[]> entry : due(CALL_DEADLINE, CALLS_CLOSED, outcomesRead)) {
            String callId = callIdOf(entry.key);
            byte[] bytes = pendingCalls.get(callId);
            if (bytes != null && PendingCall.hasNoOutcome(bytes)) {
                abandon(callId, PendingCall.decode(bytes).call, deadlineOf(entry.key));
            }
        }
        for (KeyValue<Bytes, byte[]> entry : due(CALL_DEADLINE, CALLS_FORGOTTEN, outcomesRead - outcomeWindowMs)) {
            deadlines.delete(entry.key);
            pendingCalls.delete(callIdOf(entry.key));
        }
    }

    /** Dead-letters early outcomes whose call never came (the calls input passed their deadline). */
    private void expireEarlyOutcomes(long callsRead) {
        for (KeyValue<Bytes, byte[]> entry : due(OUTCOME_DEADLINE, OUTCOMES_EXPIRED, callsRead)) {
            deadlines.delete(entry.key);
            String callId = callIdOf(entry.key);
            byte[] bytes = earlyOutcomes.get(callId);
            if (bytes == null) {
                continue;
            }
            earlyOutcomes.delete(callId);
            EarlyOutcome early = EarlyOutcome.decode(bytes);
            byte[] key = callId.getBytes(StandardCharsets.UTF_8);
            RejectedRecordException reason = new RejectedRecordException(DeadLetterReason.UNMATCHED_OUTCOME, "Outcome for call " + callId
                    + " decided at " + early.outcome.getDecidedAt() + " never met its call: calls read up to " + Instant.ofEpochMilli(callsRead)
                    + " without it (outcome window " + Duration.ofMillis(outcomeWindowMs) + " + grace)");
            ProducerRecord<byte[], byte[]> dead = DeadLetterHandler.record(deadLetters, dlqTopic, outcomesTopic, context.taskId().partition(), early.offset,
                    null, key, early.original, reason);
            context.forward(new Record<>(callId, JoinOutput.of(new DeadLetter(key, early.original)), early.deadline, dead.headers()));
        }
    }

    /** The deadline entries of {@code kind} after the scan mark {@code scanned} and up to {@code upTo}; moves the mark there. */
    private List<KeyValue<Bytes, byte[]>> due(byte kind, String scanned, long upTo) {
        long from = mark(scanned);
        if (upTo <= from) {
            return List.of();
        }
        List<KeyValue<Bytes, byte[]>> due = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = deadlines.range(deadlineKey(kind, from + 1, ""), endOf(kind, upTo))) {
            while (it.hasNext()) {
                due.add(it.next());
            }
        }
        setMark(scanned, upTo);
        return due;
    }

    /** The call's window closed without an outcome: joined with NONE, ordered at its deadline. */
    private void abandon(String callId, LlmCall call, long deadline) {
        context.forward(new Record<>(callId, JoinOutput.of(joined(call, OutcomeState.NONE, null, deadline)), deadline));
        batcher.add(CallDelta.outcomeChange(call, null, OutcomeState.NONE), deadline);
    }

    /** A mark of the {@value #PROGRESS} store (Long.MIN_VALUE when unset), read through {@link #marks}. */
    private long mark(String name) {
        Long mark = marks.get(name);
        if (mark == null) {
            Long stored = progress.get(name);
            mark = stored == null ? Long.MIN_VALUE : stored;
            marks.put(name, mark);
        }
        return mark;
    }

    private void setMark(String name, long value) {
        progress.put(name, value);
        marks.put(name, value);
    }

    private long watermark(String input) {
        return mark(input);
    }

    /** Moves an input's watermark forward to {@code eventTime} (never back); returns the watermark. */
    private long advance(String input, long eventTime) {
        long mark = watermark(input);
        if (eventTime > mark) {
            setMark(input, eventTime);
            return eventTime;
        }
        return mark;
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

    /** Kind, deadline (sign-flipped so byte order is time order), call id. */
    private static Bytes deadlineKey(byte kind, long deadline, String callId) {
        byte[] id = callId.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(9 + id.length).put(kind).putLong(deadline ^ Long.MIN_VALUE).put(id).array());
    }

    /** Just after every key of {@code kind} due at {@code deadline} (0xFF never occurs in UTF-8). */
    private static Bytes endOf(byte kind, long deadline) {
        return Bytes.wrap(ByteBuffer.allocate(10).put(kind).putLong(deadline ^ Long.MIN_VALUE).put((byte) 0xFF).array());
    }

    private static long deadlineOf(Bytes key) {
        return ByteBuffer.wrap(key.get(), 1, 8).getLong() ^ Long.MIN_VALUE;
    }

    private static String callIdOf(Bytes key) {
        return new String(key.get(), 9, key.get().length - 9, StandardCharsets.UTF_8);
    }

    /** A call the join still remembers: waiting for (or holding) its outcome, or closed and kept for dedupe until forgotten. */
    private record PendingCall(OutcomeState outcome, long deadline, LlmCall call) {
        private static final byte FORMAT = 1;
        private static final byte NO_OUTCOME = -1;

        byte[] encode() {
            byte[] callBytes = CALL_CODEC.encode(call);
            return ByteBuffer.allocate(10 + callBytes.length).put(FORMAT).put(outcome == null ? NO_OUTCOME : (byte) outcome.ordinal())
                    .putLong(deadline).put(callBytes).array();
        }

        /** The encoded call with its outcome set to {@code outcome}, without decoding or encoding the call. */
        static byte[] withOutcome(byte[] encoded, OutcomeState outcome) {
            byte[] bytes = encoded.clone();
            bytes[1] = (byte) outcome.ordinal();
            return bytes;
        }

        /** Whether the encoded call has no outcome yet, without decoding the call. */
        static boolean hasNoOutcome(byte[] bytes) {
            return bytes[1] == NO_OUTCOME;
        }

        static PendingCall decode(byte[] bytes) {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            StateFormat.check(in.get(), FORMAT, "pending call");
            byte outcome = in.get();
            long deadline = in.getLong();
            byte[] callBytes = new byte[in.remaining()];
            in.get(callBytes);
            return new PendingCall(outcome == NO_OUTCOME ? null : OutcomeState.values()[outcome], deadline, CALL_CODEC.decode(callBytes));
        }
    }

    /** An outcome read before its call, with its original bytes and offset for the dead-letter topic should the call never come. */
    private record EarlyOutcome(long deadline, long offset, CallOutcome outcome, byte[] original) {
        private static final byte FORMAT = 1;

        byte[] encode() {
            byte[] outcomeBytes = OUTCOME_CODEC.encode(outcome);
            byte[] raw = original == null ? new byte[0] : original;
            return ByteBuffer.allocate(21 + raw.length + outcomeBytes.length).put(FORMAT).putLong(deadline).putLong(offset)
                    .putInt(raw.length).put(raw).put(outcomeBytes).array();
        }

        static EarlyOutcome decode(byte[] bytes) {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            StateFormat.check(in.get(), FORMAT, "early outcome");
            long deadline = in.getLong();
            long offset = in.getLong();
            byte[] raw = new byte[in.getInt()];
            in.get(raw);
            byte[] outcomeBytes = new byte[in.remaining()];
            in.get(outcomeBytes);
            return new EarlyOutcome(deadline, offset, OUTCOME_CODEC.decode(outcomeBytes), raw);
        }
    }
}
