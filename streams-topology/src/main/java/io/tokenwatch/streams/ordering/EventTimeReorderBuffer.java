package io.tokenwatch.streams.ordering;

import io.tokenwatch.streams.stats.StateFormat;
import io.tokenwatch.streams.topology.CallDelta;
import io.tokenwatch.streams.topology.DeltaBatch;
import io.tokenwatch.streams.topology.DeltaBatch.Member;
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
import java.util.Comparator;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Puts the deltas of every upstream join task back into event-time order. A repartition topic
 * interleaves batches from upstream tasks that progress at different speeds (in a catch-up one may
 * be days ahead of another); this buffer holds each batch until every upstream task has promised,
 * by a {@link ProgressMarker}, that nothing earlier will follow, then hands its deltas on one by one
 * in order (ties broken by key and call id, so every run hands on the same sequence), merged with
 * the deltas of every other batch. Downstream processors therefore see what in-order live
 * processing would give, however the input was read and batched.
 *
 * <p>An idle upstream (fetched to the end and quiet: an empty partition, a quiet one in live
 * operation) is not waited for; a delta it sends later that is ordered before what was already
 * released is passed on as it arrives, as live processing would take it (counted by the {@code takenOnArrival} given).
 *
 * <p>After each release, and after deltas taken as they arrived, a {@link ProgressMarker#RELEASED}
 * marker tells downstream how far event time has got and that the deltas before it are all there is
 * for now. Everything it needs after a restart (buffered batches, upstream watermarks, what was
 * released) is in its two stores.
 */
public final class EventTimeReorderBuffer implements Processor<String, Sequenced, String, OrderedDelta> {
    private static final Logger LOG = LoggerFactory.getLogger(EventTimeReorderBuffer.class);
    private static final String RELEASED_KEY = "released";
    private static final String UPSTREAMS_KEY = "upstreams";
    private static final byte BUFFERED_FORMAT = 1;
    /** Batches read per step of a release: bounds the memory a long catch-up release takes. */
    private static final int RELEASE_CHUNK = 2_000;
    private static final Comparator<Due> IN_ORDER = Comparator.comparingLong(Due::orderTime).thenComparing(Due::key)
            .thenComparing(due -> due.delta().callId());

    private final String bufferStoreName;
    private final String progressStoreName;
    /** Told how many deltas arrived behind the released watermark (from tasks that were idle and resumed). */
    private final LongConsumer takenOnArrival;
    private ProcessorContext<String, OrderedDelta> context;
    private KeyValueStore<Bytes, byte[]> buffer;
    private KeyValueStore<String, Long> progress;
    /** Copy of the store's released watermark, read for every batch: rebuilt from the store in {@link #init}. */
    private long released;

    /** A delta ready to be handed on, with its key. */
    private record Due(String key, long orderTime, CallDelta delta) {
    }

    public EventTimeReorderBuffer(String bufferStoreName, String progressStoreName, LongConsumer takenOnArrival) {
        this.bufferStoreName = bufferStoreName;
        this.progressStoreName = progressStoreName;
        this.takenOnArrival = takenOnArrival;
    }

    @Override
    public void init(ProcessorContext<String, OrderedDelta> context) {
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
        DeltaBatch batch = record.value().batch();
        long offset = context.recordMetadata().map(m -> m.offset()).orElse(0L);
        if (batch.minOrderTime() > released) {
            buffer.put(bufferKey(batch.minOrderTime(), record.key(), offset), bufferValue(record.key(), batch));
            return;
        }
        List<Due> behind = new ArrayList<>();
        List<Member> later = new ArrayList<>();
        for (Member member : batch.members()) {
            if (member.orderTime() <= released) {
                behind.add(new Due(record.key(), member.orderTime(), member.delta()));
            } else {
                later.add(member);
            }
        }
        LOG.debug("{} deltas of {} ordered before {} arrived after it was released (their task was idle); taken as they arrived",
                behind.size(), record.key(), released);
        takenOnArrival.accept(behind.size());
        if (!later.isEmpty()) {
            DeltaBatch rest = DeltaBatch.of(later);
            buffer.put(bufferKey(rest.minOrderTime(), record.key(), offset), bufferValue(record.key(), rest));
        }
        behind.sort(IN_ORDER);
        behind.forEach(this::handOn);
        Long upstreams = progress.get(UPSTREAMS_KEY);
        forwardReleased(released, upstreams == null ? 0 : upstreams.intValue());
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

    /**
     * Hands on every buffered delta ordered at or before {@code watermark}, in order, in steps of at
     * most {@value #RELEASE_CHUNK} batches. Batches are kept by their earliest delta, so a step may
     * hand on everything before the earliest delta of the first batch it did not read; what a read
     * batch holds beyond that goes back into the buffer.
     */
    private void releaseUpTo(long watermark, int upstreams) {
        while (true) {
            List<KeyValue<Bytes, byte[]>> read = new ArrayList<>();
            long nextUnread = Long.MAX_VALUE;
            try (KeyValueIterator<Bytes, byte[]> it = buffer.range(orderPrefix(released + 1), orderEnd(watermark))) {
                while (it.hasNext()) {
                    KeyValue<Bytes, byte[]> entry = it.next();
                    long min = orderOf(entry.key);
                    // Batches with the same earliest delta are read together, so every step hands something on.
                    if (read.size() >= RELEASE_CHUNK && min != orderOf(read.get(read.size() - 1).key)) {
                        nextUnread = min;
                        break;
                    }
                    read.add(entry);
                }
            }
            if (read.isEmpty()) {
                break;
            }
            long upTo = Math.min(watermark, nextUnread - 1);
            List<Due> due = new ArrayList<>();
            for (KeyValue<Bytes, byte[]> entry : read) {
                ByteBuffer value = ByteBuffer.wrap(entry.value);
                StateFormat.check(value.get(), BUFFERED_FORMAT, "reorder buffer entry");
                byte[] keyBytes = new byte[value.getShort() & 0xFFFF];
                value.get(keyBytes);
                String key = new String(keyBytes, StandardCharsets.UTF_8);
                byte[] batchBytes = new byte[value.remaining()];
                value.get(batchBytes);
                List<Member> later = new ArrayList<>();
                for (Member member : new DeltaBatch(batchBytes).members()) {
                    if (member.orderTime() <= upTo) {
                        due.add(new Due(key, member.orderTime(), member.delta()));
                    } else {
                        later.add(member);
                    }
                }
                buffer.delete(entry.key);
                if (!later.isEmpty()) {
                    DeltaBatch rest = DeltaBatch.of(later);
                    buffer.put(bufferKey(rest.minOrderTime(), key, offsetOf(entry.key)), bufferValue(key, rest));
                }
            }
            due.sort(IN_ORDER);
            due.forEach(this::handOn);
            if (nextUnread == Long.MAX_VALUE) {
                break;
            }
        }
        progress.put(RELEASED_KEY, watermark);
        released = watermark;
        forwardReleased(watermark, upstreams);
    }

    private void handOn(Due due) {
        context.forward(new Record<>(due.key(), OrderedDelta.of(due.delta(), due.orderTime()), due.delta().timestamp()));
    }

    private void forwardReleased(long watermark, int upstreams) {
        ProgressMarker marker = new ProgressMarker(ProgressMarker.RELEASED, upstreams, watermark, false);
        context.forward(new Record<>("", OrderedDelta.released(marker), Math.max(0, watermark)));
    }

    /** A batch's earliest order time (sign-flipped so byte order is time order), its key, a 0 byte, its source offset (unique). */
    private static Bytes bufferKey(long minOrder, String key, long offset) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(8 + k.length + 1 + 8).putLong(minOrder ^ Long.MIN_VALUE).put(k).put((byte) 0).putLong(offset).array());
    }

    private static Bytes orderPrefix(long order) {
        return Bytes.wrap(ByteBuffer.allocate(8).putLong(order ^ Long.MIN_VALUE).array());
    }

    /** Just after every key whose order is {@code order} (0xFF never occurs in UTF-8). */
    private static Bytes orderEnd(long order) {
        return Bytes.wrap(ByteBuffer.allocate(9).putLong(order ^ Long.MIN_VALUE).put((byte) 0xFF).array());
    }

    private static long orderOf(Bytes key) {
        return ByteBuffer.wrap(key.get(), 0, 8).getLong() ^ Long.MIN_VALUE;
    }

    private static long offsetOf(Bytes key) {
        byte[] k = key.get();
        return ByteBuffer.wrap(k, k.length - 8, 8).getLong();
    }

    /** A format byte, the key (16-bit length, UTF-8), the batch. */
    private static byte[] bufferValue(String key, DeltaBatch batch) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        byte[] b = batch.bytes();
        return ByteBuffer.allocate(1 + 2 + k.length + b.length).put(BUFFERED_FORMAT).putShort((short) k.length).put(k).put(b).array();
    }
}
