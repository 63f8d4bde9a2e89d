package io.tokenwatch.streams.ordering;

import io.tokenwatch.streams.topology.CallDelta;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Puts the deltas of every upstream join task back into event-time order. A repartition topic
 * interleaves records from upstream tasks that progress at different speeds (in a catch-up one may
 * be days ahead of another); this buffer holds each delta until every upstream task has promised,
 * by a {@link ProgressMarker}, that nothing earlier will follow, then releases them in order
 * (ties broken by key and call id, so every run releases the same sequence). Downstream
 * processors therefore see what in-order live processing would give, however the input was read.
 *
 * <p>An idle upstream (fetched to the end and quiet: an empty partition, a quiet one in live
 * operation) is not waited for; a delta it sends later that is ordered before what was already
 * released is passed on as it arrives, as live processing would take it ({@link #behindCount()}).
 *
 * <p>Released deltas keep their call time as record timestamp (the window they count in); after each
 * release a {@link ProgressMarker#RELEASED} marker tells downstream how far event time has got.
 * Everything it needs after a restart (buffered deltas, upstream watermarks, what was released) is
 * in its two stores.
 */
public final class EventTimeReorderBuffer implements Processor<String, Sequenced, String, Sequenced> {
    private static final Logger LOG = LoggerFactory.getLogger(EventTimeReorderBuffer.class);
    private static final String RELEASED_KEY = "released";
    private static final String UPSTREAMS_KEY = "upstreams";
    private static final int RELEASE_CHUNK = 10_000;
    private static final Serde<CallDelta> DELTAS = CallDelta.serde();
    /** Deltas that arrived behind the released watermark: from an upstream that was idle, taken as they arrived. */
    private static final AtomicLong BEHIND = new AtomicLong();

    private final String bufferStoreName;
    private final String progressStoreName;
    private ProcessorContext<String, Sequenced> context;
    private KeyValueStore<Bytes, byte[]> buffer;
    private KeyValueStore<String, Long> progress;
    /** Copy of the store's released watermark, read for every delta: rebuilt from the store in {@link #init}. */
    private long released;

    public EventTimeReorderBuffer(String bufferStoreName, String progressStoreName) {
        this.bufferStoreName = bufferStoreName;
        this.progressStoreName = progressStoreName;
    }

    @Override
    public void init(ProcessorContext<String, Sequenced> context) {
        this.context = context;
        this.buffer = context.getStateStore(bufferStoreName);
        this.progress = context.getStateStore(progressStoreName);
        Long stored = progress.get(RELEASED_KEY);
        this.released = stored == null ? Long.MIN_VALUE : stored;
    }

    @Override
    public void process(Record<String, Sequenced> record) {
        if (record.value().isMarker()) {
            onMarker(record.value().marker());
            return;
        }
        CallDelta delta = record.value().delta();
        long order = record.timestamp();
        if (order <= released) {
            long behind = BEHIND.incrementAndGet();
            if (Long.bitCount(behind) == 1) {
                LOG.debug("Delta of call {} ordered at {} arrived after {} was released (its task was idle); taken as it arrived ({} so far)",
                        delta.callId(), order, released, behind);
            }
            forward(record.key(), delta, order);
            return;
        }
        long offset = context.recordMetadata().map(m -> m.offset()).orElse(0L);
        buffer.put(bufferKey(order, record.key(), delta.callId(), offset), bufferValue(record.key(), delta));
    }

    private void onMarker(ProgressMarker marker) {
        String upstream = Integer.toString(marker.upstream());
        Long known = progress.get("watermark-" + upstream);
        if (known == null || marker.watermark() > known) {
            progress.put("watermark-" + upstream, marker.watermark());
        }
        progress.put("idle-" + upstream, marker.idle() ? 1L : 0L);
        Long upstreams = progress.get(UPSTREAMS_KEY);
        if (upstreams == null || upstreams != marker.upstreams()) {
            progress.put(UPSTREAMS_KEY, (long) marker.upstreams());
        }
        long busiest = Long.MAX_VALUE;
        long idleFurthest = Long.MIN_VALUE;
        for (int u = 0; u < marker.upstreams(); u++) {
            Long mark = progress.get("watermark-" + u);
            Long idle = progress.get("idle-" + u);
            if (idle != null && idle == 1L) {
                idleFurthest = Math.max(idleFurthest, mark);
            } else if (mark == null) {
                return; // an upstream task not heard from yet could still send anything
            } else {
                busiest = Math.min(busiest, mark);
            }
        }
        long watermark = busiest != Long.MAX_VALUE ? busiest : idleFurthest;
        // Deltas at the watermark itself may still come: release only what is strictly before it.
        if (watermark != Long.MIN_VALUE && watermark - 1 > released) {
            releaseUpTo(watermark - 1, marker.upstreams());
        }
    }

    private void releaseUpTo(long watermark, int upstreams) {
        Bytes from = Bytes.wrap(ByteBuffer.allocate(8).putLong(released + 1 ^ Long.MIN_VALUE).array());
        Bytes to = Bytes.wrap(ByteBuffer.allocate(9).putLong(watermark ^ Long.MIN_VALUE).put((byte) 0xFF).array());
        List<KeyValue<Bytes, byte[]>> due;
        do {
            due = new ArrayList<>();
            try (KeyValueIterator<Bytes, byte[]> it = buffer.range(from, to)) {
                while (it.hasNext() && due.size() < RELEASE_CHUNK) {
                    due.add(it.next());
                }
            }
            for (KeyValue<Bytes, byte[]> entry : due) {
                buffer.delete(entry.key);
                ByteBuffer value = ByteBuffer.wrap(entry.value);
                byte[] key = new byte[value.getShort() & 0xFFFF];
                value.get(key);
                forward(new String(key, StandardCharsets.UTF_8),
                        DELTAS.deserializer().deserialize(null, Arrays.copyOfRange(entry.value, value.position(), entry.value.length)),
                        ByteBuffer.wrap(entry.key.get(), 0, 8).getLong() ^ Long.MIN_VALUE);
            }
        } while (due.size() == RELEASE_CHUNK);
        progress.put(RELEASED_KEY, watermark);
        released = watermark;
        context.forward(new Record<>("", Sequenced.of(new ProgressMarker(ProgressMarker.RELEASED, upstreams, watermark, false)), watermark));
    }

    private void forward(String key, CallDelta delta, long order) {
        context.forward(new Record<>(key, Sequenced.released(delta, order), delta.timestamp()));
    }

    /** How many deltas arrived behind the released watermark (from tasks that were idle and resumed), since start. */
    public static long behindCount() {
        return BEHIND.get();
    }

    /** Order time (sign-flipped so byte order is time order), key, call id, source offset (unique). */
    private static Bytes bufferKey(long order, String key, String callId, long offset) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        byte[] id = callId.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(8 + k.length + 1 + id.length + 1 + 8).putLong(order ^ Long.MIN_VALUE)
                .put(k).put((byte) 0).put(id).put((byte) 0).putLong(offset).array());
    }

    private static byte[] bufferValue(String key, CallDelta delta) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        byte[] d = DELTAS.serializer().serialize(null, delta);
        return ByteBuffer.allocate(2 + k.length + d.length).putShort((short) k.length).put(k).put(d).array();
    }
}
