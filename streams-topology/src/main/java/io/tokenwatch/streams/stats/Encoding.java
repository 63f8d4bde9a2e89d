package io.tokenwatch.streams.stats;

import org.apache.kafka.common.utils.ByteBufferOutputStream;

import java.util.Arrays;

/**
 * State codecs write varints straight into a growable, unsynchronised buffer: they run several
 * times per event, and a {@code DataOutputStream} over a {@code ByteArrayOutputStream} (one
 * synchronised call per byte) was the largest piece of our own code in the stream thread's profile.
 */
public final class Encoding {
    private Encoding() {
    }

    public static ByteBufferOutputStream buffer(int expectedSize) {
        return new ByteBufferOutputStream(expectedSize);
    }

    public static byte[] toArray(ByteBufferOutputStream out) {
        return Arrays.copyOf(out.buffer().array(), out.position());
    }
}
