package io.tokenwatch.streams.topology;

import io.tokenwatch.events.v1.SessionSummary;
import io.tokenwatch.serde.AvroBinary;
import io.tokenwatch.streams.ordering.OrderedDelta;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Window;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.Stores;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Totals per session: calls of one session id no more than the session gap apart form one session,
 * as Kafka Streams' session windows form them (a call within the gap of two sessions merges them).
 * Deltas come one by one in event-time order from the reorder buffer; the summaries that changed go
 * out once per release (keyed {@code session|start}), with a tombstone for each session merged away
 * under another start. Within a release, a session id's sessions are read once, from the gap before
 * its first delta on (one range scan, not one per delta; a delta for an earlier time reads only the
 * stretch before what is held), and what changed is written back once when the release ends, before
 * the upstream record's processing returns, or earlier once {@value #MAX_HELD} ids are held.
 */
public final class SessionTotals implements Processor<String, OrderedDelta, String, SessionSummary> {
    public static final String STORE = "session-totals";

    private final long gapMs;
    private ProcessorContext<String, SessionSummary> context;
    private SessionStore<String, SessionSummary> sessions;
    /** Summary per session changed since the last release (null: merged away), sent once per session and release. */
    private final ChangedSinceRelease<SessionStart, Changed> changed = new ChangedSinceRelease<>(this::sendSummary);
    /** The sessions of each id the current release touched, in the store's order (by end, then start); written back when it ends. */
    private final Map<String, Held> held = new HashMap<>();
    static final int MAX_HELD = 20_000;

    /** One session as held: its span, its totals, and whether it differs from what the store has. */
    private record Session(long start, long end, SessionSummary totals, boolean changed) {
        Windowed<String> window(String id) {
            return new Windowed<>(id, new Span(start, end));
        }
    }

    /** An id's sessions as read from the store (every one ending at or after {@code readFrom}), and as they are now. */
    private static final class Held {
        final List<Session> stored = new ArrayList<>();
        final List<Session> now = new ArrayList<>();
        long readFrom = Long.MAX_VALUE;
    }

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
        held.clear();
    }

    @Override
    public void process(Record<String, OrderedDelta> record) {
        if (record.value().isMarker()) {
            writeBack();
            changed.send();
            return;
        }
        if (held.size() >= MAX_HELD) {
            writeBack(); // a long catch-up release: bounded heap, the same writes
        }
        String session = record.key();
        CallDelta delta = record.value().delta();
        long start = delta.timestamp();
        long end = start;
        SessionSummary merged = null;
        List<Session> now = heldFrom(session, delta.timestamp() - gapMs);
        // The sessions within the gap of this call merge with it, taken in the store's order (a session store's findSessions).
        for (Iterator<Session> it = now.iterator(); it.hasNext(); ) {
            Session near = it.next();
            if (near.end() >= delta.timestamp() - gapMs && near.start() <= delta.timestamp() + gapMs) {
                merged = OutputRecords.mergeSessions(merged, near.totals());
                start = Math.min(start, near.start());
                end = Math.max(end, near.end());
                it.remove();
                changed.put(new SessionStart(session, near.start()), new Changed(null, record.timestamp()));
            }
        }
        SessionSummary totals = OutputRecords.addToSession(merged, session, delta);
        totals.setStart(Instant.ofEpochMilli(start));
        totals.setEnd(Instant.ofEpochMilli(end));
        now.add(new Session(start, end, totals, true));
        now.sort(STORE_ORDER);
        changed.put(new SessionStart(session, start), new Changed(totals, record.timestamp()));
    }

    private static final Comparator<Session> STORE_ORDER = Comparator.comparingLong(Session::end).thenComparingLong(Session::start);

    /**
     * The id's sessions as they now are, holding every one that ends at or after {@code from}: the first
     * time in a release, those read from the store; after that only the sessions ending before what is
     * held are read (a session already held, or merged away this release, is not read again).
     */
    private List<Session> heldFrom(String session, long from) {
        Held sessionsOfId = held.computeIfAbsent(session, id -> new Held());
        if (from < sessionsOfId.readFrom) {
            long latestStart = sessionsOfId.readFrom == Long.MAX_VALUE ? Long.MAX_VALUE : sessionsOfId.readFrom - 1;
            try (KeyValueIterator<Windowed<String>, SessionSummary> found = sessions.findSessions(session, from, latestStart)) {
                while (found.hasNext()) {
                    KeyValue<Windowed<String>, SessionSummary> next = found.next();
                    Session stored = new Session(next.key.window().start(), next.key.window().end(), next.value, false);
                    if (sessionsOfId.stored.stream().noneMatch(s -> s.start() == stored.start() && s.end() == stored.end())) {
                        sessionsOfId.stored.add(stored);
                        sessionsOfId.now.add(stored);
                    }
                }
            }
            sessionsOfId.now.sort(STORE_ORDER);
            sessionsOfId.readFrom = from;
        }
        return sessionsOfId.now;
    }

    /** Removes the stored sessions that merged or grew, puts the new ones, once per session, and forgets what was held. */
    private void writeBack() {
        held.forEach((id, sessionsOfId) -> {
            for (Session was : sessionsOfId.stored) {
                if (!sessionsOfId.now.contains(was)) {
                    sessions.remove(was.window(id));
                }
            }
            for (Session is : sessionsOfId.now) {
                if (is.changed()) {
                    sessions.put(is.window(id), is.totals());
                }
            }
        });
        held.clear();
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
