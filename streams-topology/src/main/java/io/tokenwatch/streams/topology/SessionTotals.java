package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.SessionSummary;
import io.tokenwatch.streams.ordering.OrderedDelta;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Window;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.SessionStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import io.tokenwatch.serde.AvroBinary;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.Stores;
import java.time.Duration;

/**
 * Totals per session: calls of one session id no more than the session gap apart form one session,
 * as Kafka Streams' session windows form them (a call within the gap of two sessions merges them).
 * Deltas come one by one in event-time order from the reorder buffer; the summaries that changed go
 * out once per release (keyed {@code session|start}), with a tombstone for each session merged away
 * under another start.
 */
public final class SessionTotals implements Processor<String, OrderedDelta, String, SessionSummary> {
    public static final String STORE = "session-totals";

    private final long gapMs;
    private ProcessorContext<String, SessionSummary> context;
    private SessionStore<String, SessionSummary> sessions;
    /** Summary per session changed since the last release (null: merged away), sent once per session and release. */
    private final ChangedSinceRelease<SessionStart, Changed> changed = new ChangedSinceRelease<>(this::sendSummary);

    private record SessionStart(String session, long start) {
    }

    private record Changed(SessionSummary summary, long timestamp) {
    }

    /**
     * The session totals with their session store. Deltas reach the sessions in event-time order (outcomes up to
     * a day after their call); only a task that was idle and resumes sends deltas out of order. Sessions are kept
     * as long as the group windows (8 days), so none of those is dropped either.
     */
    public static StoreOwningSupplier<String, OrderedDelta, String, SessionSummary> supplier(Duration gap) {
        return StoreOwningSupplier.of(() -> new SessionTotals(gap.toMillis()),
                Stores.sessionStoreBuilder(Stores.persistentSessionStore(STORE, KEPT.plus(gap)), Serdes.String(),
                        new AvroBinary<>(SessionSummary.class).serde()).withCachingEnabled());
    }

    private static final Duration KEPT = Duration.ofDays(8);

    public SessionTotals(long gapMs) {
        this.gapMs = gapMs;
    }

    @Override
    public void init(ProcessorContext<String, SessionSummary> context) {
        this.context = context;
        this.sessions = context.getStateStore(STORE);
        changed.clear();
    }

    @Override
    public void process(Record<String, OrderedDelta> record) {
        if (record.value().isMarker()) {
            changed.send();
            return;
        }
        String session = record.key();
        CallDelta delta = record.value().delta();
        long start = delta.timestamp();
        long end = start;
        SessionSummary merged = null;
        List<Windowed<String>> mergedAway = new ArrayList<>();
        try (KeyValueIterator<Windowed<String>, SessionSummary> near = sessions.findSessions(session, start - gapMs, end + gapMs)) {
            while (near.hasNext()) {
                KeyValue<Windowed<String>, SessionSummary> found = near.next();
                merged = OutputRecords.mergeSessions(merged, found.value);
                start = Math.min(start, found.key.window().start());
                end = Math.max(end, found.key.window().end());
                mergedAway.add(found.key);
            }
        }
        SessionSummary totals = OutputRecords.addToSession(merged, session, delta);
        totals.setStart(Instant.ofEpochMilli(start));
        totals.setEnd(Instant.ofEpochMilli(end));
        for (Windowed<String> old : mergedAway) {
            sessions.remove(old);
            changed.put(new SessionStart(session, old.window().start()), new Changed(null, record.timestamp()));
        }
        sessions.put(new Windowed<>(session, new Span(start, end)), totals);
        changed.put(new SessionStart(session, start), new Changed(totals, record.timestamp()));
    }


    private void sendSummary(SessionStart key, Changed change) {
        context.forward(new Record<>(key.session() + "|" + Instant.ofEpochMilli(key.start()), change.summary(), change.timestamp()));
    }

    /** A session's span of call times, both ends included. */
    private static final class Span extends Window {
        Span(long start, long end) {
            super(start, end);
        }

        @Override
        public boolean overlap(Window other) {
            return start() <= other.end() && other.start() <= end();
        }
    }
}
